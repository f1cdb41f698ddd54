using KosmosG.Pipelines;
using KosmosG.Training.Optimization;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>A LoRA on the frozen U-Net (attention projections, optionally the block convolutions), trained with the denoising loss.</summary>
public sealed class LoraObjective : AdapterObjective
{
    public LoraObjective(FrozenDiffusion frozen, ComputeOptions compute, AdapterSettings settings, int rank, double alpha, bool convs, int seed,
        bool crossKeyValue = true)
        : base(frozen, compute, settings, control: false)
    {
        using var generator = new Generator((ulong)seed, CPU);
        Lora = new TrainableLora(frozen.Unet, rank, alpha, convs, generator, crossKeyValue);
        Trainable = Lora.Trainable;
    }

    public override string Stage => "lora";
    public override IReadOnlyList<NamedParameter> Trainable { get; }
    public TrainableLora Lora { get; }

    protected override Tensor Predict(Tensor noisy, Tensor timesteps, Tensor condition, Tensor? control) =>
        Frozen.Unet.forward(noisy, timesteps, condition);

    public override void Dispose()
    {
        Lora.Dispose();
        base.Dispose();
    }
}
