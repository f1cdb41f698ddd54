using KosmosG.Models.Diffusion;
using KosmosG.Schedulers;
using KosmosG.Runtime;
using KosmosG.Weights;
using KosmosG.Weights.SingleFile;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Pipelines;

/// <summary>
/// The frozen image decoder both pipelines share: the SD U-Net, the VAE and the scheduler configuration of a
/// diffusers folder, loaded once and only read afterwards (schedulers and noise belong to each request).
/// </summary>
public sealed class DiffusionBackbone : IDisposable
{
    public UNet2DConditionModel Unet { get; }
    public AutoencoderKL Vae { get; }
    public SchedulerConfig SchedulerConfig { get; }
    public ComputeOptions Compute { get; }

    /// <summary>Latent pixels per image pixel along each side (8 for SD).</summary>
    public int VaeScaleFactor { get; }
    public int LatentChannels => Unet.Config.InChannels;

    /// <summary>The image size the U-Net was trained at (sample_size latents; 512 for SD v1.5).</summary>
    public int DefaultImageSize => (Unet.Config.SampleSize ?? 64) * VaeScaleFactor;

    // fp16 overflows in the SD VAE decoder (diffusers' force_upcast): decode in fp32 then.
    readonly ScalarType _vaeDType;

    DiffusionBackbone(UNet2DConditionModel unet, AutoencoderKL vae, SchedulerConfig schedulerConfig, ComputeOptions compute)
    {
        Unet = unet;
        Vae = vae;
        SchedulerConfig = schedulerConfig;
        Compute = compute;
        VaeScaleFactor = 1 << (vae.Config.BlockOutChannels.Length - 1);
        _vaeDType = VaeDType(compute);
    }

    public static ScalarType VaeDType(ComputeOptions compute) => compute.DType == ScalarType.Float16 ? ScalarType.Float32 : compute.DType;

    public static DiffusionBackbone Load(DiffusersFolder folder, ComputeOptions compute, string? variant = null)
    {
        var unet = UNet2DConditionModel.Load(folder.ConfigPath("unet"), folder.WeightsPath("unet", variant), compute.Device, compute.DType);
        var vae = AutoencoderKL.Load(folder.ConfigPath("vae"), folder.WeightsPath("vae", variant), compute.Device, VaeDType(compute));
        return new DiffusionBackbone(unet, vae, SchedulerConfig.Load(folder.ConfigPath("scheduler")), compute);
    }

    /// <summary>
    /// The U-Net and VAE of a single-file SD v1.x checkpoint (original LDM keys: model.diffusion_model.*,
    /// first_stage_model.*), built from the diffusers configs in <paramref name="configDir"/> (unet/, vae/, scheduler/).
    /// </summary>
    public static DiffusionBackbone LoadSingleFile(string checkpointPath, string configDir, ComputeOptions compute)
    {
        using var file = SingleFileCheckpoint.Open(checkpointPath);
        var unetConfig = UNet2DConditionConfig.Load(SingleFileConfig(configDir, "unet", "config.json"));
        var vaeConfig = AutoencoderKLConfig.Load(SingleFileConfig(configDir, "vae", "config.json"));
        var schedulerConfig = SchedulerConfig.Load(SingleFileConfig(configDir, "scheduler", "scheduler_config.json"));
        var unet = TorchDefaults.Build(compute.DType, () => new UNet2DConditionModel(unetConfig));
        var vae = TorchDefaults.Build(VaeDType(compute), () => new AutoencoderKL(vaeConfig));
        try
        {
            unet.to(compute.Device, compute.DType);
            file.LoadInto(unet, "model.diffusion_model.", key => LdmKeys.Unet(key, unetConfig));
            unet.eval();
            vae.to(compute.Device, VaeDType(compute));
            file.LoadInto(vae, "first_stage_model.", key => LdmKeys.Vae(key, vaeConfig.BlockOutChannels.Length), LdmKeys.IsVaeConvShapedLinear);
            vae.eval();
            return new DiffusionBackbone(unet, vae, schedulerConfig, compute);
        }
        catch
        {
            unet.Dispose();
            vae.Dispose();
            throw;
        }
    }

    /// <summary>A config file of a single-file model's config folder, with an error that says what the folder needs.</summary>
    internal static string SingleFileConfig(string configDir, string component, string file)
    {
        var path = Path.Combine(configDir, component, file);
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"model config folder '{configDir}' has no {component}/{file} (a single-file checkpoint takes its architecture from a diffusers config folder such as configs/sd-v1-5)", path);
    }

    /// <summary>A backbone of models already built (benchmarks at real size with random weights); the VAE must be in
    /// the dtype <see cref="Load"/> would give it (fp32 when computing in fp16).</summary>
    public static DiffusionBackbone FromModels(UNet2DConditionModel unet, AutoencoderKL vae, SchedulerConfig schedulerConfig, ComputeOptions compute) =>
        new(unet, vae, schedulerConfig, compute);

    public IScheduler CreateScheduler(string name, int steps)
    {
        var scheduler = SchedulerFactory.Create(name, SchedulerConfig);
        scheduler.SetTimesteps(steps);
        return scheduler;
    }

    /// <summary>One standard-normal draw per image, each from its own generator seeded seed, seed+1, ... (as
    /// diffusers does with a list of generators), so an image's pixels do not depend on the batch size.</summary>
    public Tensor InitialLatents(IReadOnlyList<Generator> generators, int width, int height)
    {
        var shape = new long[] { 1, LatentChannels, height / VaeScaleFactor, width / VaeScaleFactor };
        var rows = generators.Select(g => randn(shape, ScalarType.Float32, CPU, generator: g)).ToArray();
        using var batch = cat(rows, 0);
        foreach (var r in rows) r.Dispose();
        return batch.to(Compute.Device);
    }

    /// <summary>
    /// The denoising loop. <paramref name="condition"/> is [uncond x n; cond x n] with guidance, else [cond x n].
    /// Latents stay float32 between steps (scheduler arithmetic); the U-Net runs in the compute dtype.
    /// </summary>
    /// <param name="control">ControlNets steering every step, or null.</param>
    public Tensor Denoise(Tensor initialLatents, Tensor condition, double guidanceScale, IScheduler scheduler,
        IReadOnlyList<Generator> generators, GenerationCallbacks callbacks, CancellationToken cancellationToken,
        Action<int, Tensor>? onStep = null, ControlGuidance? control = null)
    {
        var guided = guidanceScale > 1;
        var timesteps = scheduler.Timesteps;
        var total = (int)timesteps.shape[0];
        using var context = condition.to(Compute.DType, Compute.Device);
        var latents = (initialLatents.to(ScalarType.Float32) * scheduler.InitNoiseSigma).DetachFromDisposeScope();
        for (var i = 0; i < total; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                var input = guided ? cat([latents, latents], 0) : latents;
                input = scheduler.ScaleModelInput(input, i).to(Compute.DType);
                var step = i;
                using var residuals = control?.Residuals(i, total, input, () => scheduler.ScaleModelInput(latents, step).to(Compute.DType),
                    timesteps[i], context, guided);
                // Through call() when no ControlNet steers, so hooks on the U-Net (bench pipeline, --profile) fire.
                var eps = (residuals is null ? Unet.call(input, timesteps[i], context) : Unet.Forward(input, timesteps[i], context, residuals))
                    .to(ScalarType.Float32);
                if (guided)
                {
                    var halves = eps.chunk(2, 0);
                    eps = halves[0] + guidanceScale * (halves[1] - halves[0]);
                }
                var next = scheduler.Step(eps, i, latents, generators).PrevSample;
                latents.Dispose();
                latents = next.DetachFromDisposeScope();
            }
            onStep?.Invoke(i, latents);
            callbacks.Step?.Invoke(i + 1, total);
        }
        return latents;
    }

    /// <summary>Latents to images in [0, 1], NCHW float32 on the CPU.</summary>
    public Tensor Decode(Tensor latents)
    {
        using var scope = NewDisposeScope();
        var z = (latents / Vae.Config.ScalingFactor).to(_vaeDType, Compute.Device);
        var image = (Vae.Decode(z).to(ScalarType.Float32) / 2 + 0.5).clamp(0, 1).cpu();
        return image.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Unet.Dispose();
        Vae.Dispose();
    }
}
