using KosmosG.Imaging;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Training.Adapters;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Loop;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

/// <summary>
/// kosmosg-train-lora and kosmosg-train-controlnet on the tiny fixtures: a LoRA on the KOSMOS-G tiny model (interleaved
/// prompts with subject images), a ControlNet on the sd15-tiny SD folder (CLIP text conditions). The adapters they write
/// load through the service's adapter loaders by name and change the images; a stopped and resumed run ends bit-identical.
/// </summary>
[Collection(nameof(ProcessWideTorchState))]
public sealed class AdapterTrainingTests(ITestOutputHelper output) : IDisposable
{
    readonly TinyTrainingSetup _setup = new();
    static readonly string Images = Path.Combine(Fixtures.KosmosGTiny, "images");

    string PromptManifest() => _setup.WriteManifest("lora.jsonl",
    [
        $"{{\"prompt\": \"<i> on a beach\", \"images\": [\"{Images}/img_a.png\"], \"target\": \"{Images}/img_b.png\"}}",
        $"{{\"caption\": \"a dog in the snow\", \"target\": \"{Images}/img_c_large.png\"}}",
        $"{{\"caption\": \"a red house\", \"entities\": [{{\"text\": \"house\", \"image\": \"{Images}/img_b.png\"}}], \"target\": \"{Images}/img_a.png\"}}",
    ]);

    string ControlManifest() => _setup.WriteManifest("control.jsonl",
    [
        $"{{\"caption\": \"a red house\", \"target\": \"{Images}/img_a.png\", \"control\": \"{Images}/img_c_large.png\"}}",
        $"{{\"caption\": \"a dog in the snow\", \"target\": \"{Images}/img_b.png\", \"control\": \"{Images}/img_a.png\"}}",
    ]);

    TrainingResult TrainLora(TrainingOptions options, Action<long>? onUpdate = null, CancellationToken stop = default, AdapterSettings? settings = null)
    {
        settings ??= new AdapterSettings();
        using var objective = new LoraObjective(FrozenDiffusion.Load(_setup.ModelDir, ComputeOptions.Cpu, settings), ComputeOptions.Cpu,
            settings, rank: 2, alpha: 4, convs: true, options.Seed);
        var content = new AdapterCheckpointContent((folder, masters) =>
        {
            objective.Lora.SaveKohya(Path.Combine(folder, "tiny.safetensors"), masters, ScalarType.Float32);
            objective.Lora.SaveDiffusers(Path.Combine(folder, "pytorch_lora_weights.safetensors"), masters, ScalarType.Float32);
        });
        return new TrainingRunner<AdapterExample, AdapterBatch>(options, objective, AdapterExample.ReadManifest(options.DataManifest, control: false), null,
            content, TextWriter.Null).Run(stop, onUpdate);
    }

    TrainingResult TrainControlNet(TrainingOptions options, Action<long>? onUpdate = null, CancellationToken stop = default)
    {
        var sd = Fixtures.Sd15TinyPipeline;
        // The demo ControlNet's timesteps (biased to high noise), so the stop/resume test covers their draws too.
        var settings = new AdapterSettings { Timesteps = TimestepSampling.Cubic };
        var frozen = FrozenDiffusion.Load(sd, ComputeOptions.Cpu, settings);
        manual_seed(options.Seed);
        var controlNet = ControlNetFromUnet.Create(frozen.Unet, ControlNetFromUnet.DefaultEmbedding(frozen.VaeFactor));
        using var objective = new ControlNetObjective(frozen, controlNet, ComputeOptions.Cpu, settings);
        var config = ControlNetFromUnet.Config(frozen.UnetConfigPath, controlNet.Config);
        var content = new AdapterCheckpointContent((folder, masters) => ControlNetFromUnet.Save(folder, config, controlNet, masters, ScalarType.Float16));
        return new TrainingRunner<AdapterExample, AdapterBatch>(options, objective, AdapterExample.ReadManifest(options.DataManifest, control: true), null,
            content, TextWriter.Null).Run(stop, onUpdate);
    }

    static byte[] Generate(DiffusionPipeline pipeline, GenerationRequest request) =>
        Assert.Single(pipeline.Generate(request, new GenerationCallbacks(), CancellationToken.None).Images).Png;

    [Fact]
    public void LoraTrainsOnKosmosGLoadsByNameAndScaleZeroIsThePlainModel()
    {
        var result = TrainLora(_setup.Options(PromptManifest(), "lora", steps: 3, batchSize: 2) with { Lr = 1e-2, Warmup = 0 });
        Assert.False(result.Interrupted);
        Assert.True(double.IsFinite(result.LastLoss!.Value));
        var loras = Path.Combine(_setup.ModelDir, "loras");
        Directory.CreateDirectory(loras);
        File.Copy(Path.Combine(result.LastCheckpoint!, "tiny.safetensors"), Path.Combine(loras, "tiny.safetensors"));
        File.Copy(Path.Combine(result.LastCheckpoint!, "pytorch_lora_weights.safetensors"), Path.Combine(loras, "tiny_diffusers.safetensors"));
        Assert.True(File.Exists(Path.Combine(_setup.Root, "lora", "metrics.jsonl")));

        using var pipeline = KosmosGPipeline.Load(_setup.ModelDir, ComputeOptions.Cpu);
        var request = new GenerationRequest
        {
            Prompt = "<i> on a beach",
            Images = [new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(Images, "img_a.png")))],
            Steps = 2, GuidanceScale = 3, Width = 64, Height = 64, Seed = 3,
        };
        var plain = Generate(pipeline, request);
        var zero = Generate(pipeline, request with { Loras = [new LoraRequest("tiny", 0)] });
        var kohya = Generate(pipeline, request with { Loras = [new LoraRequest("tiny", 1)] });
        var diffusers = Generate(pipeline, request with { Loras = [new LoraRequest("tiny_diffusers", 1)] });
        TensorAssert.Equal(PngFiles.Pixels(plain), PngFiles.Pixels(zero), "LoRA at scale 0 vs the plain model");
        var change = (PngFiles.Pixels(kohya).to(ScalarType.Float32) - PngFiles.Pixels(plain).to(ScalarType.Float32)).abs().max().item<float>();
        Assert.True(change > 0, "the trained LoRA did not change the image");
        // Both formats hold the same LoRA (alpha in the kohya .alpha tensors and in the PEFT metadata).
        TensorAssert.Close(PngFiles.Pixels(kohya).to(ScalarType.Float32), PngFiles.Pixels(diffusers).to(ScalarType.Float32), 1, 0, "kohya vs diffusers LoRA image");
        output.WriteLine($"LoRA loss {result.FirstLoss:G4} -> {result.LastLoss:G4}; max pixel change at scale 1: {change}");
    }

    [Fact]
    public void LoraStoppedAndResumedEndsWithTheSameWeights()
    {
        var manifest = PromptManifest();
        var straight = TrainLora(_setup.Options(manifest, "straight", steps: 4, batchSize: 2));
        using (var cancel = new CancellationTokenSource())
        {
            var first = TrainLora(_setup.Options(manifest, "split", steps: 4, batchSize: 2), step => { if (step == 2) cancel.Cancel(); }, cancel.Token);
            Assert.True(first.Interrupted);
            Assert.Equal(2, first.Step);
        }
        var resumed = TrainLora(_setup.Options(manifest, "split", steps: 4, batchSize: 2, resume: Path.Combine(_setup.Root, "split")));
        Assert.Equal(4, resumed.Step);
        TinyTrainingSetup.AssertSameWeights(Path.Combine(straight.LastCheckpoint!, "tiny.safetensors"), Path.Combine(resumed.LastCheckpoint!, "tiny.safetensors"));
        TinyTrainingSetup.AssertSameWeights(Path.Combine(straight.LastCheckpoint!, CheckpointStore.TrainingFolder, AdapterCheckpointContent.MastersFile),
            Path.Combine(resumed.LastCheckpoint!, CheckpointStore.TrainingFolder, AdapterCheckpointContent.MastersFile));
    }

    /// <summary>Writes a 64x64 mask: white inside columns [<paramref name="from"/>, <paramref name="to"/>), black elsewhere.</summary>
    string Mask(string name, int from, int to)
    {
        var pixels = new byte[64 * 64 * 3];
        for (var y = 0; y < 64; y++)
            for (var x = from; x < to; x++)
                pixels[3 * (64 * y + x)] = pixels[3 * (64 * y + x) + 1] = pixels[3 * (64 * y + x) + 2] = 255;
        var path = Path.Combine(_setup.Root, name);
        File.WriteAllBytes(path, PngEncoder.Encode(new RgbImage(64, 64, pixels)));
        return path;
    }

    string MaskedManifest(string name, string mask) => _setup.WriteManifest(name,
    [
        $"{{\"prompt\": \"<i> on a beach\", \"images\": [\"{Images}/img_a.png\"], \"target\": \"{Images}/img_b.png\", \"mask\": \"{mask}\"}}",
        $"{{\"caption\": \"a dog in the snow\", \"target\": \"{Images}/img_c_large.png\", \"mask\": \"{mask}\"}}",
    ]);

    [Fact]
    public void ALossMaskWeighsOnlyThePixelsItMarks()
    {
        var plain = _setup.WriteManifest("plain.jsonl",
        [
            $"{{\"prompt\": \"<i> on a beach\", \"images\": [\"{Images}/img_a.png\"], \"target\": \"{Images}/img_b.png\"}}",
            $"{{\"caption\": \"a dog in the snow\", \"target\": \"{Images}/img_c_large.png\"}}",
        ]);
        var unmasked = TrainLora(_setup.Options(plain, "unmasked", steps: 2, batchSize: 2));
        // An all-white mask weighs every pixel 1: the same run bit for bit.
        var white = TrainLora(_setup.Options(MaskedManifest("white.jsonl", Mask("white.png", 0, 64)), "white", steps: 2, batchSize: 2));
        Assert.Equal(unmasked.FirstLoss, white.FirstLoss);
        TinyTrainingSetup.AssertSameWeights(Path.Combine(unmasked.LastCheckpoint!, "tiny.safetensors"), Path.Combine(white.LastCheckpoint!, "tiny.safetensors"));
        // kohya's masked loss (background weight 0): an all-black mask leaves nothing to learn from.
        var black = TrainLora(_setup.Options(MaskedManifest("black.jsonl", Mask("black.png", 0, 0)), "black", steps: 2, batchSize: 2));
        Assert.Equal(0, black.FirstLoss);
        Assert.Equal(0, black.LastLoss);
        // Half the image masked: the loss is the mean over that half only, so it differs from the whole image's.
        var half = TrainLora(_setup.Options(MaskedManifest("half.jsonl", Mask("half.png", 0, 32)), "half", steps: 2, batchSize: 2));
        Assert.True(half.FirstLoss > 0 && half.FirstLoss != unmasked.FirstLoss, $"half-masked loss {half.FirstLoss} vs unmasked {unmasked.FirstLoss}");
        // A background weight of 1 ignores the mask again.
        var ignored = TrainLora(_setup.Options(MaskedManifest("ignored.jsonl", Mask("ignored.png", 0, 32)), "ignored", steps: 2, batchSize: 2),
            settings: new AdapterSettings { MaskBackgroundWeight = 1 });
        Assert.Equal(unmasked.FirstLoss!.Value, ignored.FirstLoss!.Value, 6);
    }

    [Fact]
    public void LoraWithoutCrossKeyValueLeavesOnlyTheCrossAttentionKeysAndValuesOut()
    {
        using var unet = UNet2DConditionModel.Load(Path.Combine(Fixtures.Sd15TinyPipeline, "unet", "config.json"),
            Path.Combine(Fixtures.Sd15TinyPipeline, "unet", "diffusion_pytorch_model.safetensors"));
        using var generator = new Generator(1);
        List<string> Layers(bool crossKeyValue)
        {
            using var lora = new TrainableLora(unet, rank: 2, alpha: 2, convs: true, generator, crossKeyValue);
            return [.. lora.Trainable.Select(p => p.Name).Where(n => n.EndsWith(".lora_A.weight", StringComparison.Ordinal))];
        }
        var all = Layers(crossKeyValue: true);
        var kept = Layers(crossKeyValue: false);
        var crossKeyValues = all.Where(n => n.Contains(".attn2.to_k.", StringComparison.Ordinal) || n.Contains(".attn2.to_v.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(crossKeyValues);
        Assert.Equal(all.Except(crossKeyValues), kept);
        Assert.Contains(kept, n => n.Contains(".attn2.to_q.", StringComparison.Ordinal));
        Assert.Contains(kept, n => n.Contains(".attn1.to_k.", StringComparison.Ordinal));
    }

    [Fact]
    public void ControlNetFromUnetAddsNothingUntilTrainedThenLoadsByNameAndSteers()
    {
        using var unet = UNet2DConditionModel.Load(Path.Combine(Fixtures.Sd15TinyPipeline, "unet", "config.json"),
            Path.Combine(Fixtures.Sd15TinyPipeline, "unet", "diffusion_pytorch_model.safetensors"));
        using (var fresh = ControlNetFromUnet.Create(unet, ControlNetFromUnet.DefaultEmbedding(8)))
        using (no_grad())
        {
            using var residuals = fresh.Forward(randn(1, 4, 8, 8), tensor(500L), randn(1, 77, unet.Config.CrossAttentionDim[0]), rand(1, 3, 64, 64), 1.0);
            Assert.All(residuals.Down.Append(residuals.Mid), r => Assert.Equal(0f, r.abs().max().item<float>()));
            // The encoder is the U-Net's (from_unet copies it).
            Assert.True(fresh.state_dict()["down_blocks.0.resnets.0.conv1.weight"].Equals(unet.state_dict()["down_blocks.0.resnets.0.conv1.weight"]));
        }

        var result = TrainControlNet(_setup.Options(ControlManifest(), "controlnet", steps: 3, batchSize: 2) with { Lr = 1e-2, Warmup = 0 });
        Assert.True(double.IsFinite(result.LastLoss!.Value));
        var model = Path.Combine(_setup.Root, "sd");
        CheckpointStore.CopyDirectory(Fixtures.Sd15TinyPipeline, model);
        CheckpointStore.CopyDirectory(result.LastCheckpoint!, Path.Combine(model, "controlnets", "edges"));
        using var pipeline = ImageGenerators.Load(model, ComputeOptions.Cpu);
        var request = new GenerationRequest { Prompt = "a red house", Steps = 2, GuidanceScale = 3, Width = 64, Height = 64, Seed = 3 };
        var control = new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(Images, "img_c_large.png")));
        var plain = Generate(pipeline, request);
        var steered = Generate(pipeline, request with { ControlNets = [new ControlNetRequest { Name = "edges", Image = control }] });
        var zero = Generate(pipeline, request with { ControlNets = [new ControlNetRequest { Name = "edges", Image = control, ConditioningScale = 0 }] });
        TensorAssert.Equal(PngFiles.Pixels(plain), PngFiles.Pixels(zero), "ControlNet at conditioning scale 0 vs none");
        Assert.False(PngFiles.Pixels(plain).Equals(PngFiles.Pixels(steered)), "the trained ControlNet did not change the image");
    }

    [Fact]
    public void ControlNetStoppedAndResumedEndsWithTheSameWeights()
    {
        var manifest = ControlManifest();
        var straight = TrainControlNet(_setup.Options(manifest, "straight", steps: 3, batchSize: 2));
        using (var cancel = new CancellationTokenSource())
        {
            var first = TrainControlNet(_setup.Options(manifest, "split", steps: 3, batchSize: 2), step => { if (step == 1) cancel.Cancel(); }, cancel.Token);
            Assert.True(first.Interrupted);
        }
        var resumed = TrainControlNet(_setup.Options(manifest, "split", steps: 3, batchSize: 2, resume: Path.Combine(_setup.Root, "split")));
        Assert.Equal(3, resumed.Step);
        TinyTrainingSetup.AssertSameWeights(Path.Combine(straight.LastCheckpoint!, CheckpointStore.TrainingFolder, AdapterCheckpointContent.MastersFile),
            Path.Combine(resumed.LastCheckpoint!, CheckpointStore.TrainingFolder, AdapterCheckpointContent.MastersFile));
    }

    public void Dispose() => _setup.Dispose();
}
