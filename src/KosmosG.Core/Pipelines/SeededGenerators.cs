using static TorchSharp.torch;

namespace KosmosG.Pipelines;

/// <summary>One CPU generator per image, seeded seed, seed+1, ...: each image is reproducible on its own.</summary>
public static class SeededGenerators
{
    /// <summary>The seed of image <paramref name="index"/>: (seed + index) mod 2^63, so every seed reported back lies in
    /// 0..2^63-1 and is a valid input that remakes its image alone (seed 2^63-1 with n=2 gives 2^63-1 and 0).</summary>
    public static long SeedOf(long seed, int index) => unchecked(seed + index) & long.MaxValue;

    public static Generator[] Create(long seed, int count) =>
        Enumerable.Range(0, count).Select(i => new Generator((ulong)SeedOf(seed, i), CPU)).ToArray();
}
