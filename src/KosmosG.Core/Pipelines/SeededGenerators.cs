using static TorchSharp.torch;

namespace KosmosG.Pipelines;

/// <summary>One CPU generator per image, seeded seed, seed+1, ...: each image is reproducible on its own.</summary>
public static class SeededGenerators
{
    public static Generator[] Create(long seed, int count) =>
        Enumerable.Range(0, count).Select(i => new Generator(unchecked((ulong)(seed + i)), CPU)).ToArray();
}
