using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Schedulers;
using KosmosG.Training.Alignment;
using KosmosG.Training.Optimization;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>
/// The frozen parts an adapter trains against, from a KOSMOS-G folder (its sd/ U-Net and VAE, KOSMOS-G conditions) or
/// an SD v1.x diffusers folder (its U-Net and VAE, CLIP text conditions).
/// </summary>
public sealed class FrozenDiffusion : IDisposable
{
    FrozenDiffusion(UNet2DConditionModel unet, AutoencoderKL vae, DDPMScheduler noise, IConditionEncoder conditions, string unetConfigPath)
    {
        Unet = unet;
        Vae = vae;
        Noise = noise;
        Conditions = conditions;
        UnetConfigPath = unetConfigPath;
    }

    public UNet2DConditionModel Unet { get; }
    public AutoencoderKL Vae { get; }
    public DDPMScheduler Noise { get; }
    public IConditionEncoder Conditions { get; }
    public string UnetConfigPath { get; }

    /// <summary>The VAE's downsampling factor (8 for SD).</summary>
    public int VaeFactor => 1 << (Vae.Config.BlockOutChannels.Length - 1);

    public static FrozenDiffusion Load(string modelDir, ComputeOptions compute, AdapterSettings settings)
    {
        var kosmos = KosmosGModelFolder.IsKosmosG(modelDir);
        var sd = DiffusersFolder.Open(kosmos ? KosmosGModelFolder.Open(modelDir).StableDiffusionDir : modelDir);
        IConditionEncoder conditions = kosmos
            ? new KosmosGConditions(KosmosGModelFolder.Open(modelDir), compute, settings.DropEntityWord)
            : new ClipTextConditions(ClipTextTargets.Load(sd.Root, compute));
        try
        {
            var unet = UNet2DConditionModel.Load(sd.ConfigPath("unet"), sd.WeightsPath("unet"));
            var vae = AutoencoderKL.Load(sd.ConfigPath("vae"), sd.WeightsPath("vae"));
            unet.to(compute.Device, compute.DType).eval();
            // fp16 VAE encodes overflow (SD's VAE is run in fp32 by diffusers' scripts too).
            vae.to(compute.Device, compute.DType == ScalarType.Float16 ? ScalarType.Float32 : compute.DType).eval();
            TrainableParameters.FreezeAll(unet);
            TrainableParameters.FreezeAll(vae);
            return new FrozenDiffusion(unet, vae, new DDPMScheduler(SchedulerConfig.Load(sd.ConfigPath("scheduler"))), conditions, sd.ConfigPath("unet"));
        }
        catch
        {
            conditions.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Conditions.Dispose();
        Noise.Dispose();
        Vae.Dispose();
        Unet.Dispose();
    }
}
