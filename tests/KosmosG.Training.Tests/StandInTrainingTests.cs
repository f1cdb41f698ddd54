using KosmosG.Imaging;
using KosmosG.Models.Clip;
using KosmosG.Models.Diffusion;
using KosmosG.Schedulers;
using KosmosG.Tokenizers;
using KosmosG.ToyWorld;
using KosmosG.Training.Data;
using KosmosG.Training.Instruct;
using KosmosG.Training.Reporting;
using KosmosG.Training.StandIn;
using KosmosG.Training.Vocabulary;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

/// <summary>Stage 0 of the demo recipe: the stand-in VAE and text-to-image model learn, and the frozen VAE stays frozen.</summary>
[Collection(nameof(ProcessWideTorchState))]
public sealed class StandInTrainingTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("standin-").FullName;

    const string TinyVae = """
        {"block_out_channels": [8, 16], "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
         "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "latent_channels": 4, "layers_per_block": 1,
         "norm_num_groups": 4, "sample_size": 64, "scaling_factor": 1.0}
        """;

    const string TinyUNet = """
        {"block_out_channels": [32, 32], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "attention_head_dim": 2, "cross_attention_dim": 32,
         "layers_per_block": 1, "norm_num_groups": 8, "sample_size": 32, "in_channels": 4, "out_channels": 4}
        """;

    StandInData Scenes(int count)
    {
        var manifest = Path.Combine(_dir, "scenes.jsonl");
        ToyDatasetWriter.WriteScenes(manifest, ToyWorldSets.SceneSamples(count, seed: 3));
        return StandInData.Load(LmExample.ReadManifest(manifest));
    }

    static double ReconstructionError(AutoencoderKL vae, Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return (vae.Decode(vae.Encode(images).Mean) - images).square().mean().item<float>();
    }

    [Fact]
    public void DataDecodesEachDistinctImageOnceInTheVaeRange()
    {
        using var data = Scenes(40);
        Assert.Equal(40, data.Pairs.Count);
        Assert.Equal(data.Pairs.Select(p => p.Image).Distinct().Count(), (int)data.Images.shape[0]);
        Assert.Equal([data.Images.shape[0], 3, 64, 64], data.Images.shape);
        Assert.Equal(-1f, data.Images.min().item<float>());
        Assert.Equal(1f, data.Images.max().item<float>());
        var (caption, row) = data.Pairs[0];
        var expected = ToyWorldSets.SceneSamples(1, seed: 3)[0];
        Assert.Equal(ToyCaptions.Caption(expected), caption);
        using var rendered = ImageTensors.ToTensor(ToyRenderer.Render(expected)).mul_(2).sub_(1);
        TensorAssert.Equal(rendered, data.Images[row], "first pair's image");
    }

    [Fact]
    public void VaeReconstructionImprovesAndTheScalingFactorGivesUnitVarianceLatents()
    {
        using var data = Scenes(16);
        manual_seed(0);
        using var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(TinyVae));
        var before = ReconstructionError(vae, data.Images);
        using (var reporter = new ProgressReporter(TextWriter.Null, null, 40))
            VaeTraining.Train(vae, data.Images, new VaeTrainingSettings { Steps = 40, BatchSize = 4, WarmupSteps = 5 }, reporter, CancellationToken.None);
        var after = ReconstructionError(vae, data.Images);
        Assert.True(after < 0.5 * before, $"reconstruction MSE {before:F4} -> {after:F4}");

        var scale = VaeTraining.ScalingFactor(vae, data.Images, batchSize: 5);
        using var _ = no_grad();
        using var latents = vae.Encode(data.Images).Mean * scale;
        Assert.Equal(1.0, latents.std().item<float>(), 3);
    }

    /// <summary>The decoder fine-tune (SD's ft-MSE recipe) lowers the reconstruction error and leaves the encoder, hence
    /// the latents a U-Net was trained on, bit-identical.</summary>
    [Fact]
    public void DecoderOnlyFineTuneImprovesReconstructionAndKeepsTheEncoder()
    {
        using var data = Scenes(16);
        manual_seed(0);
        using var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(TinyVae));
        using (var reporter = new ProgressReporter(TextWriter.Null, null, 20))
            VaeTraining.Train(vae, data.Images, new VaeTrainingSettings { Steps = 20, BatchSize = 4, WarmupSteps = 5 }, reporter, CancellationToken.None);
        var encoder = vae.state_dict().Where(kv => !VaeTraining.IsDecoder(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var decoder = vae.state_dict().Where(kv => VaeTraining.IsDecoder(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        Assert.Contains("post_quant_conv.weight", decoder.Keys);
        Assert.Contains("quant_conv.weight", encoder.Keys);
        var before = ReconstructionError(vae, data.Images);

        using (var reporter = new ProgressReporter(TextWriter.Null, null, 40))
            VaeTraining.Train(vae, data.Images, new VaeTrainingSettings { Steps = 40, BatchSize = 4, WarmupSteps = 5, DecoderOnly = true }, reporter, CancellationToken.None);

        var after = ReconstructionError(vae, data.Images);
        Assert.True(after < 0.8 * before, $"reconstruction MSE {before:F4} -> {after:F4}");
        foreach (var (name, value) in encoder) TensorAssert.Equal(value, vae.state_dict()[name], name);
        Assert.Contains(decoder, kv => !kv.Value.Equals(vae.state_dict()[kv.Key]));
    }

    /// <summary>What a text-to-image phase reads besides the modules it trains; disposes what it holds.</summary>
    sealed record TextToImageInputs(StandInData Data, ClipTokenizer Tokenizer, int Vocab, AutoencoderKL Vae, DDPMScheduler Noise) : IDisposable
    {
        public void Dispose()
        {
            Data.Dispose();
            Vae.Dispose();
            Noise.Dispose();
        }
    }

    /// <summary>Twelve scenes, a CLIP tokenizer over their words, a tiny VAE (seed 0, eval mode) and the demo's noise schedule.</summary>
    TextToImageInputs NewTextToImageInputs()
    {
        var data = Scenes(12);
        var tokenizerDir = Path.Combine(_dir, "tokenizer");
        var vocab = ClipVocabularyWriter.Write(tokenizerDir, WordList.FromTexts(data.Pairs.Select(p => p.Caption)));
        manual_seed(0);
        var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(TinyVae));
        vae.eval();
        var noise = new DDPMScheduler(new SchedulerConfig { NumTrainTimesteps = 1000, BetaSchedule = "linear", BetaStart = 1e-4, BetaEnd = 0.02 });
        return new TextToImageInputs(data, ClipTokenizer.FromFolder(tokenizerDir), vocab, vae, noise);
    }

    static CLIPTextModel TinyTextEncoder(int vocab) =>
        new(new CLIPTextConfig { HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 1, NumAttentionHeads = 2, VocabSize = vocab });

    [Fact]
    public void TextToImageLossGoesDownAndTheVaeStaysBitIdentical()
    {
        using var inputs = NewTextToImageInputs();
        var (data, tokenizer, vocab, vae, noise) = inputs;
        using var text = TinyTextEncoder(vocab);
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.Parse(TinyUNet));
        var vaeBefore = vae.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        // The loss on a fixed batch (fixed noise and timesteps), before and after training.
        using var fixedNoise = randn([8, 4, 32, 32], generator: new Generator(5));
        using var fixedT = tensor(new long[] { 50, 150, 250, 350, 450, 550, 650, 750 });
        using var latents = Latents(vae, data.Images.narrow(0, 0, 8));
        var captions = Enumerable.Range(0, 8).Select(i => data.Pairs.First(p => p.Image == i).Caption).ToList();
        double FixedLoss()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return DiffusionLoss.Compute(unet, noise, latents, fixedNoise, fixedT, text.forward(tokenizer.EncodeBatch(captions))).item<float>();
        }
        text.eval();
        unet.eval();
        var before = FixedLoss();
        using (var reporter = new ProgressReporter(TextWriter.Null, null, 60))
            TextToImageTraining.Train(text, unet, tokenizer, noise, vae, data, new TextToImageSettings { Steps = 60, BatchSize = 8, WarmupSteps = 5, EmaDecay = 0.9 },
                reporter, CancellationToken.None);
        var after = FixedLoss();
        Assert.True(after < 0.7 * before, $"diffusion loss {before:F4} -> {after:F4}");
        foreach (var (name, value) in vae.state_dict()) TensorAssert.Equal(vaeBefore[name], value, name);
    }

    /// <summary>A phase stopped after 3 of 7 steps (saves every 2) and continued from its checkpoint folder by fresh
    /// modules with other initial weights ends bit-identical to an uninterrupted run: weights, moments and EMA are
    /// restored, and each step's batch and noise depend on (seed, step) only.</summary>
    [Fact]
    public void TextToImagePhaseStoppedAndResumedEndsBitIdenticalToAnUninterruptedOne()
    {
        using var inputs = NewTextToImageInputs();
        var (data, tokenizer, vocab, vae, noise) = inputs;
        var settings = new TextToImageSettings { Steps = 7, BatchSize = 4, WarmupSteps = 2, EmaDecay = 0.5, CheckpointEvery = 2, Seed = 9 };

        Dictionary<string, Tensor> Run(long initSeed, string? checkpointDir, CancellationTokenSource? stop = null, int stopAfter = 0)
        {
            manual_seed(initSeed);
            using var text = TinyTextEncoder(vocab);
            using var unet = new UNet2DConditionModel(UNet2DConditionConfig.Parse(TinyUNet));
            using (var reporter = new ProgressReporter(TextWriter.Null, null, settings.Steps))
                TextToImageTraining.Train(text, unet, tokenizer, noise, vae, data, settings, reporter, stop?.Token ?? CancellationToken.None,
                    checkpointDir, step => { if (step == stopAfter) stop!.Cancel(); });
            return text.state_dict().Select(kv => ("text." + kv.Key, kv.Value)).Concat(unet.state_dict().Select(kv => ("unet." + kv.Key, kv.Value)))
                .ToDictionary(kv => kv.Item1, kv => kv.Item2.detach().clone());
        }

        var uninterrupted = Run(initSeed: 1, checkpointDir: null);
        var checkpoint = Path.Combine(_dir, "phase.resume");
        using (var stop = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() => Run(initSeed: 1, checkpoint, stop, stopAfter: 3));
        var resumed = Run(initSeed: 2, checkpoint);
        Assert.Equal(uninterrupted.Keys, resumed.Keys);
        foreach (var (name, value) in uninterrupted) TensorAssert.Equal(value, resumed[name], name);
    }

    static Tensor Latents(AutoencoderKL vae, Tensor images)
    {
        using var _ = no_grad();
        return vae.Encode(images).Mean;
    }

    [Fact]
    public void EmaFollowsTheParametersAtItsDecay()
    {
        using var p = new TorchSharp.Modules.Parameter(zeros(3));
        using var ema = new EmaWeights([p], decay: 0.75);
        using (no_grad()) p.fill_(4);
        ema.Update();
        ema.Update();
        ema.CopyToParameters();
        // 0 -> 0.25·4 = 1 -> 0.75·1 + 0.25·4 = 1.75
        TensorAssert.Close(full(3, 1.75f), p, 1e-6, 0, "EMA after two updates");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
