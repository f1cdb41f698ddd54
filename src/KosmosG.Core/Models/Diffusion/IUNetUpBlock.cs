using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>A U-Net decoder stage (diffusers up block).</summary>
public interface IUNetUpBlock
{
    /// <summary>How many skip connections the stage consumes (one per resnet).</summary>
    int ResnetCount { get; }

    /// <param name="hiddenStates">Stage input; not modified.</param>
    /// <param name="skips">The stage's <see cref="ResnetCount"/> skip connections in encoder order; used from the last.</param>
    /// <param name="encoderHiddenStates">Cross-attention context; ignored by stages without attention.</param>
    /// <param name="upsampleSize">Exact [H, W] for the up-sampler, or null for x2.</param>
    Tensor Forward(Tensor hiddenStates, IReadOnlyList<Tensor> skips, Tensor temb, Tensor encoderHiddenStates, long[]? upsampleSize);
}
