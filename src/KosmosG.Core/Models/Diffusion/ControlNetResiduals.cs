using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// What a ControlNet adds to the U-Net: one residual per skip connection of the down path (diffusers'
/// down_block_additional_residuals) and one for the mid-block output (mid_block_additional_residual).
/// </summary>
public sealed class ControlNetResiduals(IReadOnlyList<Tensor> down, Tensor mid) : IDisposable
{
    public IReadOnlyList<Tensor> Down { get; } = down;
    public Tensor Mid { get; } = mid;

    /// <summary>Element-wise sum with another net's residuals (MultiControlNetModel sums in net order: this + other).</summary>
    public ControlNetResiduals Plus(ControlNetResiduals other) =>
        new(Down.Zip(other.Down, (a, b) => a + b).ToList(), Mid + other.Mid);

    /// <summary>Rows of zeros in front of these residuals: guess mode leaves the unconditional half of a CFG batch uncontrolled.</summary>
    public ControlNetResiduals WithZeroRowsBefore() =>
        new(Down.Select(WithZeros).ToList(), WithZeros(Mid));

    static Tensor WithZeros(Tensor t) => cat([zeros_like(t), t], 0);

    public void Dispose()
    {
        foreach (var t in Down) t.Dispose();
        Mid.Dispose();
    }
}
