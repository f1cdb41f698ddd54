using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>A ControlNet (every parameter trains) whose residuals enter the frozen U-Net, trained with the denoising loss.</summary>
public sealed class ControlNetObjective : AdapterObjective
{
    public ControlNetObjective(FrozenDiffusion frozen, ControlNetModel controlNet, ComputeOptions compute, AdapterSettings settings)
        : base(frozen, compute, settings, control: true)
    {
        controlNet.Config.CheckFits(frozen.Unet.Config, "the trained ControlNet");
        ControlNet = controlNet;
        controlNet.to(compute.Device, compute.DType).train();
        Trainable = TrainableParameters.Select(controlNet, _ => true);
    }

    public override string Stage => "controlnet";
    public override IReadOnlyList<NamedParameter> Trainable { get; }
    public ControlNetModel ControlNet { get; }

    protected override Tensor Predict(Tensor noisy, Tensor timesteps, Tensor condition, Tensor? control)
    {
        using var residuals = ControlNet.Forward(noisy, timesteps, condition, control!, 1.0);
        return Frozen.Unet.Forward(noisy, timesteps, condition, residuals);
    }

    public override void Dispose()
    {
        ControlNet.Dispose();
        base.Dispose();
    }
}
