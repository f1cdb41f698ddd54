using KosmosG.Imaging;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Training.Data;
using KosmosG.Training.Instruct;
using KosmosG.Training.Loop;
using KosmosG.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>
/// The denoising loss of an adapter on the frozen U-Net (diffusers' train_text_to_image_lora / train_controlnet):
/// conditions from the frozen encoder (replaced by the unconditional one with <see cref="AdapterSettings.ConditionDropout"/>),
/// VAE latents of the target, DDPM noise at a uniform timestep; the subclass says what trains and how the U-Net is called.
/// </summary>
public abstract class AdapterObjective : ITrainingObjective<AdapterExample, AdapterBatch>
{
    readonly ClipImagePreprocessor _targetPreprocessor;
    readonly ClipImagePreprocessor _controlPreprocessor;
    readonly ManifestImages _images = new();
    readonly AdapterSettings _settings;
    readonly bool _control;

    protected AdapterObjective(FrozenDiffusion frozen, ComputeOptions compute, AdapterSettings settings, bool control)
    {
        Frozen = frozen;
        Compute = compute;
        _settings = settings;
        _control = control;
        Timesteps = settings.Timesteps;
        MaskBackgroundWeight = settings.MaskBackgroundWeight;
        Resolution = settings.Resolution ?? (frozen.Unet.Config.SampleSize is int sample ? sample * frozen.VaeFactor
            : throw new ArgumentException("the U-Net config has no sample_size: pass the training resolution explicitly"));
        if (Resolution % frozen.VaeFactor != 0) throw new ArgumentException($"the resolution {Resolution} is not a multiple of the VAE factor {frozen.VaeFactor}");
        // Targets in [-1, 1] (diffusers' Normalize([0.5], [0.5])); control maps in [0, 1] as the pipelines feed them.
        _targetPreprocessor = new ClipImagePreprocessor(Resolution, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
        _controlPreprocessor = new ClipImagePreprocessor(Resolution, [0, 0, 0], [1, 1, 1]);
    }

    protected FrozenDiffusion Frozen { get; }
    protected ComputeOptions Compute { get; }
    public int Resolution { get; }
    /// <summary>How the next updates draw timesteps (settable so a later phase of a recipe can change it).</summary>
    public TimestepSampling Timesteps { get; set; }
    /// <summary>The next updates' loss weight outside the masks (<see cref="AdapterSettings.MaskBackgroundWeight"/>; settable like <see cref="Timesteps"/>).</summary>
    public double MaskBackgroundWeight { get; set; }
    public abstract string Stage { get; }
    public abstract IReadOnlyList<NamedParameter> Trainable { get; }

    public AdapterBatch Build(IReadOnlyList<AdapterExample> examples, IReadOnlyList<Random> random)
    {
        var prompts = examples.Select((e, i) => Frozen.Conditions.Prepare(e.Prompt, random[i])).ToList();
        var targets = examples.Select(e => _images.Pixels(_targetPreprocessor, e.Prompt.TargetPath, e.Prompt.Line)).ToArray();
        var controls = _control
            ? examples.Select(e => _images.Pixels(_controlPreprocessor, e.ControlPath ?? throw new InvalidDataException($"manifest line {e.Prompt.Line}: no \"control\" map"), e.Prompt.Line)).ToArray()
            : null;
        var masks = examples.Any(e => e.MaskPath is not null)
            ? examples.Select(e => e.MaskPath is null ? Ones(3 * Resolution * Resolution) : _images.Pixels(_controlPreprocessor, e.MaskPath, e.Prompt.Line)).ToArray()
            : null;
        return new AdapterBatch(prompts, targets, controls, Resolution, masks);
    }

    public int Count(AdapterBatch batch) => batch.Count;

    public ObjectiveOutput Forward(AdapterBatch batch, Generator generator)
    {
        var device = Compute.Device;
        var n = batch.Count;
        // Random draws in a fixed order from the per-update generator: dropout, VAE sample, noise, timesteps.
        // An explicit Scalar kept alive across the call: the implicit double conversion's temporary can be freed by the
        // finalizer while libtorch reads it (TorchSharp 0.107; it ended two ControlNet runs here with "Unknown scalar type").
        using var dropout = _settings.ConditionDropout.ToScalar();
        var drop = rand(n, generator: generator).lt(dropout);
        var condition = Frozen.Conditions.Encode(batch.Prompts);
        if (drop.any().item<bool>())
            condition = where(drop.to(device).view(n, 1, 1), Frozen.Conditions.Unconditional().expand_as(condition), condition);
        Tensor latents;
        using (no_grad())
        {
            var target = ManifestImages.Stack(batch.Targets, batch.Resolution).to(Frozen.Vae.parameters().First().dtype, device);
            latents = InstructObjective.EncodeLatents(Frozen.Vae, target, generator, _settings.SampleLatents);
        }
        var noise = randn(latents.shape, generator: generator).to(device);
        var timesteps = TimestepSampler.Sample(Timesteps, Frozen.Noise.NumTrainTimesteps, n, generator).to(device);
        var control = batch.Controls is null ? null : ManifestImages.Stack(batch.Controls, batch.Resolution).to(Compute.DType, device);
        var weight = batch.Masks is null ? null : LatentWeight(ManifestImages.Stack(batch.Masks, batch.Resolution)).to(device);
        var loss = DiffusionLoss.Compute(Frozen.Noise, latents, noise, timesteps, noisy => Predict(noisy.to(Compute.DType), timesteps, condition, control), weight);
        return new ObjectiveOutput(loss, new Dictionary<string, double> { ["uncond_fraction"] = drop.to(ScalarType.Float32).mean().item<float>() });
    }

    /// <summary>Per-latent-pixel loss weights [N, 1, h, w]: each mask's grey level averaged over the pixels a latent
    /// covers, mapped from [0, 1] to [background weight, 1].</summary>
    Tensor LatentWeight(Tensor masks)
    {
        using var grey = masks.mean([1], keepdim: true);
        using var covered = nn.functional.avg_pool2d(grey, Frozen.VaeFactor);
        return covered.mul(1 - MaskBackgroundWeight).add_(MaskBackgroundWeight);
    }

    static float[] Ones(int length)
    {
        var ones = new float[length];
        Array.Fill(ones, 1f);
        return ones;
    }

    /// <summary>The U-Net's prediction with the adapter in place.</summary>
    protected abstract Tensor Predict(Tensor noisy, Tensor timesteps, Tensor condition, Tensor? control);

    public virtual void Dispose() => Frozen.Dispose();
}
