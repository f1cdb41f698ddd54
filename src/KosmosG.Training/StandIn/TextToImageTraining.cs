using KosmosG.Models.Clip;
using KosmosG.Models.Diffusion;
using KosmosG.Schedulers;
using KosmosG.Tokenizers;
using KosmosG.Training.Data;
using KosmosG.Training.Instruct;
using KosmosG.Training.Optimization;
using KosmosG.Training.Reporting;
using static TorchSharp.torch;

namespace KosmosG.Training.StandIn;

/// <summary>Stage-0 text-to-image knobs.</summary>
public sealed record TextToImageSettings
{
    public int Steps { get; init; } = 2400;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public int WarmupSteps { get; init; } = 100;
    /// <summary>Share of captions replaced by the empty one, so classifier-free guidance has an unconditional model.</summary>
    public double ConditionDropout { get; init; } = 0.1;
    public double EmaDecay { get; init; } = 0.995;
    /// <summary>Timesteps are drawn from [MinTimestep, T). A refinement phase raises it: at high noise the model decides
    /// layout and colours from the text, and that is what a briefly trained model gets wrong.</summary>
    public int MinTimestep { get; init; }
    /// <summary>A phase may switch the objective of the weights it continues, written to the scheduler config it
    /// publishes (null keeps the folder's). SD 2's 768-v model was made this way: ε-trained weights resumed with the
    /// v objective, which stays well conditioned at high noise, where ε errors are multiplied by sqrt((1 - ᾱ) / ᾱ).</summary>
    public string? PredictionType { get; init; }
    /// <summary>Steps between saves of the resumable state (when the phase has a checkpoint folder).</summary>
    public int CheckpointEvery { get; init; } = 500;
    public int Seed { get; init; }
}

/// <summary>
/// Trains the stand-in's CLIP text encoder and U-Net together, as a latent diffusion model from scratch: latents of
/// the frozen VAE (times the scaling factor), the pipeline's DDPM noise schedule and prediction type, the same loss as
/// stage 3 (<see cref="DiffusionLoss"/>). The parameters end as their EMA. The latents are the posterior means, not
/// samples: a small VAE trained briefly keeps a posterior std near its initial 1, and sampling would blur every target.
/// With a checkpoint folder the phase saves its state every <see cref="TextToImageSettings.CheckpointEvery"/> steps and
/// when stopped, and continues from it exactly.
/// </summary>
public static class TextToImageTraining
{
    public static double Train(CLIPTextModel textEncoder, UNet2DConditionModel unet, ClipTokenizer tokenizer, DDPMScheduler noise,
        AutoencoderKL vae, StandInData data, TextToImageSettings settings, ProgressReporter reporter, CancellationToken stop,
        string? checkpointDir = null, Action<int>? onUpdate = null)
    {
        var trainable = TrainableParameters.Select(textEncoder, _ => true).Select(p => p with { Name = "text_encoder." + p.Name })
            .Concat(TrainableParameters.Select(unet, _ => true).Select(p => p with { Name = "unet." + p.Name })).ToList();
        using var optimizer = new MixedPrecisionOptimizer(trainable, StandInOptimizer.Settings);
        using var ema = new EmaWeights([.. trainable.Select(p => p.Parameter)], settings.EmaDecay);
        var schedule = new PolynomialDecaySchedule(settings.LearningRate, settings.WarmupSteps, settings.Steps);
        using var latentMean = VaeTraining.LatentMeans(vae, data.Images);
        var scaling = vae.Config.ScalingFactor;
        using var generator = new Generator(0);
        var device = trainable[0].Parameter.device;
        double loss = double.NaN;
        var start = checkpointDir is null ? 0 : TextToImageCheckpoint.Load(checkpointDir, trainable, optimizer, ema);
        if (start > 0) reporter.Message($"resuming at step {start} from {checkpointDir}");
        textEncoder.train();
        unet.train();
        for (var step = start; step < settings.Steps; step++)
        {
            if (stop.IsCancellationRequested && checkpointDir is not null)
            {
                TextToImageCheckpoint.Save(checkpointDir, step, trainable, optimizer, ema);
                reporter.Message($"stopped at step {step}: saved {checkpointDir}");
            }
            stop.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var random = new Random(SeedMix.Combine(settings.Seed, step, 0));
            generator.manual_seed(SeedMix.Combine64(settings.Seed, step, 1));
            var pairs = Enumerable.Range(0, settings.BatchSize).Select(_ => data.Pairs[random.Next(data.Pairs.Count)]).ToList();
            var captions = pairs.Select(p => random.NextDouble() < settings.ConditionDropout ? "" : p.Caption).ToList();
            var rows = tensor(pairs.Select(p => (long)p.Image).ToArray());
            var latents = latentMean.index_select(0, rows) * scaling;
            var epsilon = randn(latents.shape, generator: generator);
            var timesteps = randint(settings.MinTimestep, noise.NumTrainTimesteps, [settings.BatchSize], generator: generator);
            var condition = textEncoder.forward(tokenizer.EncodeBatch(captions).to(device));
            var output = DiffusionLoss.Compute(unet, noise, latents.to(device), epsilon.to(device), timesteps.to(device), condition);
            optimizer.Backward(output);
            var lr = schedule.LearningRate(step);
            var update = optimizer.Step(lr);
            ema.Update();
            loss = output.item<float>();
            reporter.Train(step + 1, settings.BatchSize, new Dictionary<string, double>
            {
                ["loss"] = loss, ["lr"] = lr, ["grad_norm"] = update.GradNorm,
            }, StandInOptimizer.Print(step + 1, settings.Steps));
            onUpdate?.Invoke(step + 1);
            if (checkpointDir is not null && (step + 1) % settings.CheckpointEvery == 0 && step + 1 < settings.Steps)
                TextToImageCheckpoint.Save(checkpointDir, step + 1, trainable, optimizer, ema);
        }
        ema.CopyToParameters();
        textEncoder.eval();
        unet.eval();
        return loss;
    }
}
