using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>Noise for stochastic steps, drawn like diffusers' randn_tensor: per batch row with a list of generators, on
/// the generator's device in the sample's dtype, then moved to the sample's device.</summary>
internal static class StepNoise
{
    public static Tensor Draw(Tensor like, IReadOnlyList<Generator>? generators)
    {
        if (generators is null || generators.Count == 0)
            return randn(like.shape, like.dtype, like.device);
        if (generators.Count == 1)
            return randn(like.shape, like.dtype, generators[0].device, generator: generators[0]).to(like.device);
        var batch = like.shape[0];
        if (generators.Count != batch)
            throw new ArgumentException(
                $"Got {generators.Count} generators for a batch of {batch}: pass one per batch row or a single one", nameof(generators));
        var rowShape = like.shape.ToArray();
        rowShape[0] = 1;
        using var scope = NewDisposeScope();
        var rows = generators.Select(g => randn(rowShape, like.dtype, g.device, generator: g).to(like.device)).ToArray();
        return cat(rows, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Checks an explicitly given noise tensor against the sample it is added to.</summary>
    public static void CheckShape(Tensor noise, Tensor sample)
    {
        if (!noise.shape.SequenceEqual(sample.shape))
            throw new ArgumentException(
                $"noise shape [{string.Join(", ", noise.shape)}] does not match sample shape [{string.Join(", ", sample.shape)}]", nameof(noise));
    }
}
