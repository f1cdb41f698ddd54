using KosmosG.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Pipelines;

/// <summary>One ControlNet of a request, ready to run: the net, its control image's embedding (<see
/// cref="ControlNetModel.EmbedCondition"/> of the preprocessed [1, 3, H, W] image, the same for every step and row) and
/// its schedule.</summary>
public sealed record ControlUnit(ControlNetModel Model, Tensor ConditionEmbedding, double Scale, double Start, double End)
{
    /// <summary>diffusers' controlnet_keep: 0 when step i of T lies outside [start, end] (as fractions of the steps).</summary>
    public double Keep(int step, int total) => (double)step / total < Start || (double)(step + 1) / total > End ? 0.0 : 1.0;
}

/// <summary>
/// The ControlNet part of a denoising step, as diffusers 0.25.1's StableDiffusionControlNetPipeline does it: every net
/// runs on the U-Net's input with its own image and scale x keep, residuals summed in net order. With guidance the
/// control image rows follow the condition rows ([uncond x n; cond x n]); in guess mode with guidance the nets see only
/// the conditional half and the unconditional half gets zero residuals.
/// </summary>
public sealed class ControlGuidance(IReadOnlyList<ControlUnit> units, bool guessMode)
{
    public IReadOnlyList<ControlUnit> Units { get; } = units;
    public bool GuessMode { get; } = guessMode;

    /// <param name="unetInput">The scaled model input of this step ([2n] rows with guidance, else [n]).</param>
    /// <param name="scaledLatents">scale_model_input of the latents alone ([n] rows), for guess mode with guidance.</param>
    /// <returns>Null when every net is switched off at this step (its residuals would be exactly zero).</returns>
    public ControlNetResiduals? Residuals(int step, int total, Tensor unetInput, Func<Tensor> scaledLatents, Tensor timestep, Tensor context, bool guided)
    {
        var conditionalOnly = GuessMode && guided;
        var input = conditionalOnly ? scaledLatents() : unetInput;
        var netContext = conditionalOnly ? context.chunk(2, 0)[1] : context;
        ControlNetResiduals? sum = null;
        foreach (var unit in Units)
        {
            // A switched-off net (scale x keep = 0) only contributes zeros: diffusers still runs it, the sum is the same.
            var scale = unit.Scale * unit.Keep(step, total);
            if (scale == 0) continue;
            var residuals = unit.Model.ForwardEmbedded(input, timestep, netContext, unit.ConditionEmbedding, scale, GuessMode);
            if (sum is null) sum = residuals;
            else
            {
                var next = sum.Plus(residuals);
                sum.Dispose();
                residuals.Dispose();
                sum = next;
            }
        }
        if (sum is null || !conditionalOnly) return sum;
        using (sum) return sum.WithZeroRowsBefore();
    }
}
