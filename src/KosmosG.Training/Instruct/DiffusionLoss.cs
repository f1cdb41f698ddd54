using KosmosG.Models.Diffusion;
using KosmosG.Schedulers;
using static TorchSharp.torch;

namespace KosmosG.Training.Instruct;

/// <summary>
/// The stage-3 diffusion loss (official Diffusionmodel.forward): noisy = DDPM.add_noise(latents, noise, t), the
/// frozen U-Net predicts its target from the condition, loss = per-sample MSE over (C, H, W), summed over the batch
/// and divided by the batch size (fairseq's sample_size = nsentences). Gradients reach the condition (and through
/// it the MLLM/AlignerNet); the U-Net's own parameters are frozen. The target follows the scheduler's
/// prediction_type as diffusers' training scripts choose it: the noise for SD v1.5 (epsilon), the velocity for a
/// v-prediction U-Net, the latents for sample prediction.
/// </summary>
public static class DiffusionLoss
{
    public static Tensor Compute(UNet2DConditionModel unet, DDPMScheduler noiseScheduler, Tensor latents, Tensor noise, Tensor timesteps, Tensor condition) =>
        Compute(noiseScheduler, latents, noise, timesteps, noisy => unet.forward(noisy.to(condition.dtype), timesteps, condition));

    /// <param name="predict">The denoiser's prediction for the float32 noisy latents (e.g. a U-Net with ControlNet residuals).</param>
    /// <param name="weight">Optional per-pixel weights [N, 1, H, W]: each sample's loss becomes the weighted mean of its
    /// squared errors (sum of weight x error over the sum of the weights), so its scale does not depend on the mask's area.</param>
    public static Tensor Compute(DDPMScheduler noiseScheduler, Tensor latents, Tensor noise, Tensor timesteps, Func<Tensor, Tensor> predict, Tensor? weight = null)
    {
        var clean = latents.to(ScalarType.Float32);
        var epsilon = noise.to(ScalarType.Float32);
        var noisy = noiseScheduler.AddNoise(clean, epsilon, timesteps);
        var target = noiseScheduler.PredictionType switch
        {
            "epsilon" => epsilon,
            "v_prediction" => noiseScheduler.GetVelocity(clean, epsilon, timesteps),
            _ => clean,
        };
        var prediction = predict(noisy);
        var squared = (prediction.to(ScalarType.Float32) - target).square();
        var perSample = weight is null
            ? squared.mean([1, 2, 3])
            : squared.mul(weight).mean([1, 2, 3]) / weight.mean([1, 2, 3]).clamp_min(1e-8);
        return perSample.sum() / latents.shape[0];
    }
}
