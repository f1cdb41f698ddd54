using KosmosG.Models.Diffusion;
using KosmosG.Schedulers;
using static TorchSharp.torch;

namespace KosmosG.Training.Instruct;

/// <summary>
/// The stage-3 diffusion loss (official Diffusionmodel.forward): noisy = DDPM.add_noise(latents, noise, t), the
/// frozen U-Net predicts the noise from the condition, loss = per-sample MSE over (C, H, W), summed over the batch
/// and divided by the batch size (fairseq's sample_size = nsentences). Gradients reach the condition (and through
/// it the MLLM/AlignerNet); the U-Net's own parameters are frozen.
/// </summary>
public static class DiffusionLoss
{
    public static Tensor Compute(UNet2DConditionModel unet, DDPMScheduler noiseScheduler, Tensor latents, Tensor noise, Tensor timesteps, Tensor condition)
    {
        if (noiseScheduler.PredictionType != "epsilon")
            throw new NotSupportedException($"prediction_type '{noiseScheduler.PredictionType}': KOSMOS-G trains the epsilon-predicting SD v1.5 U-Net");
        var dtype = condition.dtype;
        var noisy = noiseScheduler.AddNoise(latents.to(ScalarType.Float32), noise.to(ScalarType.Float32), timesteps);
        var prediction = unet.forward(noisy.to(dtype), timesteps, condition);
        var perSample = (prediction.to(ScalarType.Float32) - noise.to(ScalarType.Float32)).square().mean([1, 2, 3]);
        return perSample.sum() / latents.shape[0];
    }
}
