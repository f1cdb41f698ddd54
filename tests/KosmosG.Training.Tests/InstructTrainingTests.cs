using KosmosG.Models.Clip;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Schedulers;
using KosmosG.Tokenizers;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Data;
using KosmosG.Training.Instruct;
using KosmosG.Training.Loop;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

[Collection(nameof(ProcessWideTorchState))]
public sealed class InstructTrainingTests(ITestOutputHelper output) : IDisposable
{
    readonly TinyTrainingSetup _setup = new();

    static string Sd(string component, string file) => Path.Combine(Fixtures.Sd15TinyPipeline, component, file);

    /// <summary>
    /// DiffusionLoss against a hand computation: alphas_cumprod from the scaled_linear betas in float64,
    /// x_t = sqrt(a_t) x0 + sqrt(1 - a_t) eps, per-sample mean squared error of the U-Net's prediction against the
    /// prediction type's target (eps; v = sqrt(a_t) eps - sqrt(1 - a_t) x0; x0), averaged over the batch. Same float32
    /// U-Net calls on both sides: the tolerance (1e-6 relative) only covers the noising.
    /// </summary>
    [Theory]
    [InlineData("epsilon")]
    [InlineData("v_prediction")]
    [InlineData("sample")]
    public void DiffusionLossMatchesAHandComputation(string predictionType)
    {
        using var unet = UNet2DConditionModel.Load(Sd("unet", "config.json"), Sd("unet", "diffusion_pytorch_model.safetensors"));
        using var ddpm = new DDPMScheduler(SchedulerConfig.Load(Sd("scheduler", "scheduler_config.json")) with { PredictionType = predictionType });
        using var g = new Generator(11);
        var latents = randn([3, 4, 8, 8], generator: g);
        var noise = randn([3, 4, 8, 8], generator: g);
        var condition = randn([3, 77, 32], generator: g);
        var timesteps = tensor(new long[] { 3, 500, 998 });

        using var _ = no_grad();
        var loss = DiffusionLoss.Compute(unet, ddpm, latents, noise, timesteps, condition).item<float>();

        var betas = linspace(Math.Sqrt(0.00085), Math.Sqrt(0.012), 1000, ScalarType.Float64).square();
        var alphasCumprod = (1 - betas).cumprod(0);
        double expected = 0;
        for (var i = 0; i < 3; i++)
        {
            var a = alphasCumprod[timesteps[i]].item<double>();
            var noisy = Math.Sqrt(a) * latents[i].unsqueeze(0) + Math.Sqrt(1 - a) * noise[i].unsqueeze(0);
            var target = predictionType switch
            {
                "epsilon" => noise[i],
                "v_prediction" => Math.Sqrt(a) * noise[i] - Math.Sqrt(1 - a) * latents[i],
                _ => latents[i],
            };
            var prediction = unet.forward(noisy.to(ScalarType.Float32), timesteps[i].reshape(1), condition[i].unsqueeze(0));
            expected += (prediction - target.unsqueeze(0).to(ScalarType.Float32)).square().mean().item<float>() / 3;
        }
        Assert.True(Math.Abs(loss - expected) <= 1e-6 * expected, $"diffusion loss {loss:R}, hand computation {expected:R}");
    }

    /// <summary>Targets as a sample of the posterior (official) or its mean (a U-Net trained on means): the sample is
    /// mean + std x a draw of the generator, and both modes consume that draw, so later draws line up.</summary>
    [Fact]
    public void TargetLatentsAreAPosteriorSampleOrItsMeanAndConsumeTheSameDraws()
    {
        using var vae = AutoencoderKL.Load(Sd("vae", "config.json"), Sd("vae", "diffusion_pytorch_model.safetensors"));
        using var images = rand([2, 3, 32, 32], generator: new Generator(4)) * 2 - 1;
        using var _ = no_grad();
        var posterior = vae.Encode(images);
        var scale = vae.Config.ScalingFactor;
        using var g = new Generator(8);
        var mean = InstructObjective.EncodeLatents(vae, images, g, sample: false);
        var afterMean = randn([3], generator: g);
        g.manual_seed(8);
        var sample = InstructObjective.EncodeLatents(vae, images, g, sample: true);
        var afterSample = randn([3], generator: g);
        g.manual_seed(8);
        var eps = randn(posterior.Mean.shape, generator: g);

        TensorAssert.Close(posterior.Mean * scale, mean, 1e-6, 1e-6, "mean mode");
        TensorAssert.Close((posterior.Mean + posterior.Std * eps) * scale, sample, 1e-6, 1e-6, "sample mode");
        Assert.True((sample - mean).abs().max().item<float>() > 1e-3, "the sample differs from the mean");
        TensorAssert.Equal(afterMean, afterSample, "draws after the latents");
    }

    string Manifest()
    {
        var images = Path.Combine(Fixtures.KosmosGTiny, "images");
        string Img(string name) => Path.Combine(images, name).Replace("\\", "/");
        return _setup.WriteManifest("instruct.jsonl",
        [
            $"{{\"caption\": \"a small cat on a table\", \"target\": \"{Img("img_a.png")}\"}}",
            $"{{\"caption\": \"a dog and a tree at night\", \"entities\": [{{\"text\": \"dog\", \"image\": \"{Img("img_b.png")}\"}}, {{\"text\": \"tree\", \"image\": \"{Img("img_a.png")}\"}}], \"target\": \"{Img("img_c_large.png")}\"}}",
            $"{{\"prompt\": \"<i> in the style of <i>\", \"images\": [\"{Img("img_a.png")}\", \"{Img("img_b.png")}\"], \"target\": \"{Img("img_b.png")}\"}}",
            $"{{\"source\": \"{Img("img_c_large.png")}\", \"instruction\": \"make it night\", \"caption\": \"a house\", \"target\": \"{Img("img_a.png")}\"}}",
        ]);
    }

    InstructObjective Load(string modelDir) =>
        InstructObjective.Load(modelDir, Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu, new InstructSettings());

    static double FullLoss(InstructObjective objective, IReadOnlyList<InstructExample> examples)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batch = objective.Build(examples, examples.Select((_, i) => new Random(i)).ToList());
        using var g = new Generator(3);
        return objective.Forward(batch, g).Loss.item<float>();
    }

    /// <summary>
    /// Caption alignment adds weight x the mean, over the examples whose target caption is known (the caption and the
    /// composition; not the interleaved prompt or the edit), of the MSE between each prompt's condition and the SD
    /// text encoder's output for the caption; the diffusion part and its random draws are unchanged. The hand
    /// computation encodes each prompt alone (the batch pads them): 1e-5 relative.
    /// </summary>
    [Fact]
    public void CaptionAlignmentAddsTheWeightedCaptionMseOfCaptionedExamples()
    {
        var examples = InstructExample.ReadManifest(Manifest());
        Random[] Draws() => [.. examples.Select((_, i) => new Random(i))];
        using var plain = Load(_setup.ModelDir);
        using var aligned = InstructObjective.Load(_setup.ModelDir, Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu, new InstructSettings { CaptionAlignment = 0.5 });
        using var _ = no_grad();
        var batch = aligned.Build(examples, Draws());
        Assert.Equal([0L, 1L], batch.CaptionRows);
        var withAlignment = aligned.Forward(batch, new Generator(3));
        var diffusionOnly = plain.Forward(plain.Build(examples, Draws()), new Generator(3));

        using var clip = CLIPTextModel.Load(Sd("text_encoder", "config.json"), Sd("text_encoder", "model.safetensors"));
        var tokenizer = ClipTokenizer.FromFolder(Path.Combine(Fixtures.Sd15TinyPipeline, "tokenizer"));
        // The caption example has no image; the composition's two entity images come first in the batch's list.
        var pixels = new[] { (Tensor?)null, ManifestImages.Stack(batch.EntityPixels[..2], batch.EntitySize) };
        var expected = 0.0;
        foreach (var (i, caption) in new[] { (0, "a small cat on a table"), (1, "a dog and a tree at night") })
        {
            using var tokens = tensor(batch.Tokens[i], [1, batch.Tokens[i].Length]);
            using var mask = tensor(batch.ImageMasks[i], [1, batch.ImageMasks[i].Length]);
            var condition = aligned.Model.EncodePrompt(tokens, pixels[i] is null ? null : mask, pixels[i]);
            var target = clip.forward(tokenizer.EncodeBatch([caption]));
            expected += (condition - target).square().mean().item<float>() / 2;
        }

        var mse = withAlignment.Metrics["caption_mse"];
        Assert.True(Math.Abs(mse - expected) <= 1e-5 * expected, $"caption_mse {mse:R}, hand computation {expected:R}");
        var added = withAlignment.Loss.item<float>() - diffusionOnly.Loss.item<float>();
        Assert.True(Math.Abs(added - 0.5 * expected) <= 1e-5 * withAlignment.Loss.item<float>(), $"loss grew by {added:R}, expected 0.5 x {expected:R}");
        Assert.False(diffusionOnly.Metrics.ContainsKey("caption_mse"));
    }

    /// <summary>Which vision parameters stage 3 trains in a 4-block tower: the last N blocks and ln_post, nothing of the
    /// tower for N = 0; everything outside the tower trains either way.</summary>
    [Theory]
    [InlineData(0, "")]
    [InlineData(1, "3")]
    [InlineData(2, "23")]
    [InlineData(4, "0123")]
    public void TrainedVisionBlocksSelectsTheLastBlocks(int blocks, string trainedBlocks)
    {
        var settings = new InstructSettings { TrainedVisionBlocks = blocks };
        var trained = Enumerable.Range(0, 4)
            .Where(i => InstructObjective.IsTrainable($"img_model.visual.transformer.resblocks.{i}.attn.in_proj_weight", 4, settings));
        Assert.Equal(trainedBlocks, string.Concat(trained));
        Assert.Equal(blocks > 0, InstructObjective.IsTrainable("img_model.visual.ln_post.weight", 4, settings));
        Assert.False(InstructObjective.IsTrainable("img_model.visual.conv1.weight", 4, settings));
        Assert.All(new[] { "gpt_model.decoder.layers.0.fc1.weight", "img_connector.dense.weight", "aligner.encoder_query" },
            name => Assert.True(InstructObjective.IsTrainable(name, 4, settings)));
    }

    [Fact]
    public void LossGoesDownAndOnlyTheStage3ParametersChange()
    {
        var options = _setup.Options(Manifest(), "run", steps: 30, batchSize: 4) with { Lr = 1e-4 };
        using var objective = Load(_setup.ModelDir);
        Assert.Equal(64, objective.Resolution);
        var examples = InstructExample.ReadManifest(options.DataManifest);
        var trainable = objective.Trainable.Select(p => p.Name).ToHashSet();
        Assert.Contains("img_model.visual.ln_post.weight", trainable);
        Assert.Contains(trainable, n => n.StartsWith("img_model.visual.transformer.resblocks.1.", StringComparison.Ordinal));
        Assert.DoesNotContain(trainable, n => n.StartsWith("img_model.visual.transformer.resblocks.0.", StringComparison.Ordinal) || n == "img_model.visual.conv1.weight");
        Assert.Contains(trainable, n => n.StartsWith("gpt_model.", StringComparison.Ordinal));
        Assert.Contains(trainable, n => n.StartsWith("img_connector.", StringComparison.Ordinal));
        Assert.Contains(trainable, n => n.StartsWith("aligner.", StringComparison.Ordinal));
        var frozen = objective.Model.named_parameters().Where(p => !trainable.Contains(p.name))
            .ToDictionary(p => p.name, p => p.parameter.detach().clone());
        Assert.All(objective.Model.named_parameters(), p => Assert.Equal(trainable.Contains(p.name), p.parameter.requires_grad));
        var unet = UNet2DConditionModel.Load(Sd("unet", "config.json"), Sd("unet", "diffusion_pytorch_model.safetensors"));

        var before = FullLoss(objective, examples);
        var result = new TrainingRunner<InstructExample, InstructBatch>(options, objective, examples, examples,
            KosmosGModelFolder.Open(_setup.ModelDir), TextWriter.Null).Run(CancellationToken.None);
        var after = FullLoss(objective, examples);

        output.WriteLine($"stage 3 small run: fixed-noise loss {before:0.#####} -> {after:0.#####}; batch loss {result.FirstLoss:0.#####} -> {result.LastLoss:0.#####}");
        Assert.True(after < before, $"stage-3 loss with fixed noise and timesteps: {before} -> {after}");
        foreach (var (name, parameter) in objective.Model.named_parameters().Where(p => frozen.ContainsKey(p.name)))
            Assert.True(frozen[name].Equals(parameter), $"frozen {name} changed");
        // The U-Net inside the objective never changes either: compare with a fresh load.
        var trainedUnet = typeof(InstructObjective).GetField("_unet", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(objective) as UNet2DConditionModel;
        Assert.NotNull(trainedUnet);
        foreach (var (name, parameter) in unet.named_parameters())
            Assert.True(trainedUnet.get_parameter(name) is { } trained && parameter.Equals(trained), $"U-Net {name} changed");
        TinyTrainingSetup.AssertSameWeights(Path.Combine(_setup.ModelDir, KosmosGModelFolder.WeightsFile),
            Path.Combine(result.LastCheckpoint!, KosmosGModelFolder.WeightsFile), frozen.ContainsKey);
    }

    /// <summary>
    /// Issue 5 regression: the stage-3 gradients (through the frozen U-Net into the condition, the MLLM and the vision
    /// tower) are finite and the same whatever the intra-op thread count, as the stop/resume test below needs. When the
    /// spatial transformers fed proj_out a contiguous NCHW copy of the token sequence (before the U-Net went
    /// channels-last), the condition's gradient changed with the thread count (0.041 vs 0.073 summed, 1 vs 2 threads)
    /// and about one backward in 30 was non-finite. Thread counts differ only in summation order: 1e-3 relative.
    /// </summary>
    [Fact]
    public void GradientsAreFiniteAndIndependentOfTheThreadCount()
    {
        using var objective = Load(_setup.ModelDir);
        var examples = InstructExample.ReadManifest(Manifest()).Take(3).ToList();
        var batch = objective.Build(examples, examples.Select((_, i) => new Random(i)).ToList());
        var threads = get_num_threads();
        Tensor Gradients(int count)
        {
            set_num_threads(count);
            using var scope = NewDisposeScope();
            using var g = new Generator(7);
            objective.Forward(batch, g).Loss.backward();
            var flat = cat(objective.Trainable.Where(p => p.Parameter.grad is not null).Select(p => p.Parameter.grad!.flatten()).ToList());
            foreach (var p in objective.Trainable) p.Parameter.grad = null;
            return flat.MoveToOuterDisposeScope();
        }
        try
        {
            using var reference = Gradients(1);
            Assert.True(reference.isfinite().all().item<bool>(), "non-finite stage-3 gradients with 1 thread");
            foreach (var count in new[] { 2, 3, 4, 2, 3, 4 })
            {
                using var actual = Gradients(count);
                Assert.True(actual.isfinite().all().item<bool>(), $"non-finite stage-3 gradients with {count} threads");
                TensorAssert.Close(reference, actual, 1e-6, 1e-3, $"stage-3 gradients, {count} threads vs 1");
            }
        }
        finally { set_num_threads(threads); }
    }

    [Fact]
    public void StoppedAndResumedRunEndsWithTheSameWeights()
    {
        var manifest = Manifest();
        TrainingResult Run(TrainingOptions options, string modelDir, Action<long>? onUpdate = null, CancellationToken stop = default)
        {
            using var objective = Load(modelDir);
            return new TrainingRunner<InstructExample, InstructBatch>(options, objective, InstructExample.ReadManifest(manifest), null,
                KosmosGModelFolder.Open(modelDir), TextWriter.Null).Run(stop, onUpdate);
        }
        var straight = Run(_setup.Options(manifest, "straight", steps: 6, batchSize: 3) with { GradAccum = 2 }, _setup.ModelDir);
        using (var cancel = new CancellationTokenSource())
        {
            var first = Run(_setup.Options(manifest, "split", steps: 6, batchSize: 3) with { GradAccum = 2 }, _setup.ModelDir,
                step => { if (step == 2) cancel.Cancel(); }, cancel.Token);
            Assert.True(first.Interrupted);
        }
        var resumeDir = CheckpointStore.ResolveResume(Path.Combine(_setup.Root, "split"));
        var resumed = Run(_setup.Options(manifest, "split", steps: 6, batchSize: 3, resume: resumeDir) with { GradAccum = 2 }, resumeDir);
        Assert.Equal(6, resumed.Step);
        TinyTrainingSetup.AssertSameWeights(Path.Combine(straight.LastCheckpoint!, KosmosGModelFolder.WeightsFile),
            Path.Combine(resumed.LastCheckpoint!, KosmosGModelFolder.WeightsFile));
    }

    public void Dispose() => _setup.Dispose();
}
