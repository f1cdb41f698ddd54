using KosmosG.Models.Diffusion;
using KosmosG.Training.Optimization;
using KosmosG.Training.Reporting;
using static TorchSharp.torch;

namespace KosmosG.Training.StandIn;

/// <summary>Stage-0 VAE knobs.</summary>
public sealed record VaeTrainingSettings
{
    public int Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 2e-3;
    public int WarmupSteps { get; init; } = 50;
    /// <summary>Weight of the KL term (summed over latent elements, mean over the batch); SD's VAE used 1e-6.</summary>
    public double KlWeight { get; init; } = 1e-6;
    public int Seed { get; init; }
    /// <summary>Fine-tunes only the decoder (and post_quant_conv) on posterior means, as SD's ft-MSE VAE was made: the
    /// encoder, hence the latent space a U-Net is trained in, stays as it is; the KL term is then a constant.</summary>
    public bool DecoderOnly { get; init; }
}

/// <summary>
/// Trains the stand-in's AutoencoderKL on the stage-0 images: MSE reconstruction of z = mean + std·eps plus a small KL
/// term (the flat-coloured world needs no perceptual or adversarial loss), AdamW with warm-up and linear decay.
/// Afterwards <see cref="ScalingFactor"/> measures the latent scale the U-Net is trained at (SD's 0.18215 came the
/// same way: 1 / std of the latents).
/// </summary>
public static class VaeTraining
{
    public static double Train(AutoencoderKL vae, Tensor images, VaeTrainingSettings settings, ProgressReporter reporter, CancellationToken stop)
    {
        var parameters = TrainableParameters.Select(vae, name => !settings.DecoderOnly || IsDecoder(name));
        using var optimizer = new MixedPrecisionOptimizer(parameters, StandInOptimizer.Settings);
        var schedule = new PolynomialDecaySchedule(settings.LearningRate, settings.WarmupSteps, settings.Steps);
        using var generator = new Generator((ulong)settings.Seed);
        var device = parameters[0].Parameter.device;
        var dtype = parameters[0].Parameter.dtype;
        var count = images.shape[0];
        double mse = double.NaN;
        vae.train();
        for (var step = 0; step < settings.Steps; step++)
        {
            stop.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var rows = randint(0, count, [settings.BatchSize], generator: generator);
            var x = images.index_select(0, rows).to(dtype, device);
            var posterior = vae.Encode(x);
            var eps = randn(posterior.Mean.shape, generator: generator).to(dtype, device);
            var z = settings.DecoderOnly ? posterior.Mean : posterior.Mean + posterior.Std * eps;
            var reconstruction = vae.Decode(z).to(ScalarType.Float32);
            var reconstructionLoss = (reconstruction - x.to(ScalarType.Float32)).square().mean();
            var mean = posterior.Mean.to(ScalarType.Float32);
            var logVar = posterior.LogVar.to(ScalarType.Float32);
            var kl = (mean.square() + logVar.exp() - 1 - logVar).sum([1, 2, 3]).mean() * 0.5;
            optimizer.Backward(reconstructionLoss + settings.KlWeight * kl);
            var lr = schedule.LearningRate(step);
            var update = optimizer.Step(lr);
            mse = reconstructionLoss.item<float>();
            reporter.Train(step + 1, settings.BatchSize, new Dictionary<string, double>
            {
                ["loss"] = mse, ["kl"] = kl.item<float>(), ["lr"] = lr, ["grad_norm"] = update.GradNorm,
            }, StandInOptimizer.Print(step + 1, settings.Steps));
        }
        vae.eval();
        return mse;
    }

    /// <summary>The decoder side of diffusers' AutoencoderKL: what decodes latents into pixels.</summary>
    public static bool IsDecoder(string name) =>
        name.StartsWith("decoder.", StringComparison.Ordinal) || name.StartsWith("post_quant_conv.", StringComparison.Ordinal);

    /// <summary>1 / std of the latent means of <paramref name="images"/>: scaled latents have unit variance.</summary>
    public static double ScalingFactor(AutoencoderKL vae, Tensor images, int batchSize = 64)
    {
        using var means = LatentMeans(vae, images, batchSize);
        return 1.0 / means.std().item<float>();
    }

    /// <summary>The posterior means of <paramref name="images"/>, float32 on the CPU, encoded <paramref name="batchSize"/> at a time.</summary>
    public static Tensor LatentMeans(AutoencoderKL vae, Tensor images, int batchSize = 64)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var parameter = vae.parameters().First();
        var means = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += batchSize)
        {
            var x = images.narrow(0, start, Math.Min(batchSize, images.shape[0] - start)).to(parameter.dtype, parameter.device);
            means.Add(vae.Encode(x).Mean.to(ScalarType.Float32, CPU));
        }
        return cat(means, 0).MoveToOuterDisposeScope();
    }
}
