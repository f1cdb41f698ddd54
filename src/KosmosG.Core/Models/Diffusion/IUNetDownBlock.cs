using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>A U-Net encoder stage (diffusers down block).</summary>
public interface IUNetDownBlock
{
    /// <summary>
    /// Runs the stage on <paramref name="hiddenStates"/> (not modified) and returns every intermediate output the
    /// decoder takes as a skip connection, in order; the last one is the stage's output.
    /// </summary>
    /// <param name="encoderHiddenStates">Cross-attention context; ignored by stages without attention.</param>
    IReadOnlyList<Tensor> Forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates);
}
