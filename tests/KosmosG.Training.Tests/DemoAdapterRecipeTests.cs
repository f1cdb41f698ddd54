using KosmosG.Imaging;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Demo;
using KosmosG.Training.StandIn;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

/// <summary>The demo adapter recipe's phases (kosmosg-train-demo --adapters) at a few steps on a copy of the shipped demo
/// model: each phase trains in its own folder from the previous phase's weights, and a rerun only restores.</summary>
[Collection(nameof(ProcessWideTorchState))]
public sealed class DemoAdapterRecipeTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("demo-adapters-").FullName;

    static string DemoModelDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var model = Path.Combine(dir.FullName, "models", "demo");
            if (File.Exists(Path.Combine(model, "model.safetensors"))) return model;
        }
        throw new DirectoryNotFoundException("models/demo not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void ALaterPhaseContinuesFromTheEarlierOnesWeightsAndARerunOnlyRestores()
    {
        var model = Path.Combine(_dir, "demo");
        CheckpointStore.CopyDirectory(DemoModelDir(), model);
        var work = Path.Combine(_dir, "work");
        var log = new StringWriter();
        // Phase 2 (more examples, a masked loss) at a learning rate too small to move anything: its result is phase 1's
        // weights if it starts from them.
        DemoAdapters Recipe() => new(model, work, log)
        {
            Large = new AdapterRun(Examples: 2, Steps: 2, BatchSize: 2, Lr: 1e-2, Warmup: 0)
            {
                Then = new AdapterRun(Examples: 4, Steps: 1, BatchSize: 2, Lr: 1e-12, Warmup: 0, MaskBackgroundWeight: 0.2),
            },
        };

        var written = Recipe().BuildLarge(CancellationToken.None);
        // The data holds what the largest phase reads, each target with its loss mask.
        var manifest = File.ReadAllLines(Path.Combine(work, "large-data", "train.jsonl"));
        Assert.Equal(4, manifest.Length);
        Assert.All(manifest, line => Assert.Contains("\"mask\":\"mask-", line));
        for (var i = 0; i < manifest.Length; i++)
        {
            // Every object pixel (not the background's colour, read at a corner) lies inside the mask, with black around it.
            var target = new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(work, "large-data", $"target-{i:D4}.png")));
            var mask = new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(work, "large-data", $"mask-{i:D4}.png")));
            var objectPixels = Enumerable.Range(0, 64 * 64).Where(p => target.Pixels.AsSpan(3 * p, 3).SequenceCompareTo(target.Pixels.AsSpan(0, 3)) != 0).ToList();
            Assert.NotEmpty(objectPixels);
            Assert.All(objectPixels, p => Assert.Equal(255, mask.Pixels[3 * p]));
            var white = Enumerable.Range(0, 64 * 64).Count(p => mask.Pixels[3 * p] == 255);
            Assert.InRange(white, objectPixels.Count + 1, 64 * 64 - 1);
        }
        var phase1 = Path.Combine(work, "large", "step-0000002", "large.safetensors");
        var phase2 = Path.Combine(work, "large-2", "step-0000001", "large.safetensors");
        Assert.True(File.Exists(phase1) && File.Exists(phase2), log.ToString());
        using (var first = SafeTensorsFile.Open(phase1))
        using (var second = SafeTensorsFile.Open(phase2))
        {
            var ups = first.Tensors.Keys.Where(k => k.EndsWith(".lora_up.weight", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(ups);
            // Phase 1 trained (the up matrices start at zero), and phase 2 began where it ended.
            Assert.Contains(ups, k => first.Read(k).abs().max().item<float>() > 1e-4);
            Assert.All(first.Tensors.Keys, k => Assert.True(first.Read(k).allclose(second.Read(k), rtol: 0, atol: 1e-6), k));
        }
        var shipped = File.ReadAllBytes(written);

        var before = log.ToString().Length;
        Assert.Equal(written, Recipe().BuildLarge(CancellationToken.None));
        var rerun = log.ToString()[before..];
        Assert.Contains($"resumed from {Path.Combine(work, "large", "step-0000002")}", rerun);
        Assert.Contains($"resumed from {Path.Combine(work, "large-2", "step-0000001")}", rerun);
        Assert.Equal(shipped, File.ReadAllBytes(written));
    }

    [Fact]
    public void TheDecoderStepChangesOnlyTheDecoderAndRunsOncePerModel()
    {
        var model = Path.Combine(_dir, "demo");
        CheckpointStore.CopyDirectory(DemoModelDir(), model);
        var vae = Path.Combine(model, "sd", "vae", "diffusion_pytorch_model.safetensors");
        using (var shippedVae = SafeTensorsFile.Open(vae)) Assert.True(shippedVae.Metadata.ContainsKey(DemoAdapters.DecoderMarker), "the shipped decoder is this step's");
        // The same weights without the marker stand for a model straight from the stage-0 build.
        var before = SafeTensorsFile.LoadAll(vae);
        SafeTensorsWriter.Save(vae, before, new Dictionary<string, string> { ["format"] = "pt" });
        var log = new StringWriter();
        DemoAdapters Recipe(string work) => new(model, Path.Combine(_dir, work), log)
        {
            Decoder = new() { Steps = 2, BatchSize = 2, LearningRate = 1e-3, WarmupSteps = 0, DecoderOnly = true },
            DecoderImages = 6,
        };

        Assert.Equal(Path.Combine(model, "sd", "vae"), Recipe("work").BuildDecoder(CancellationToken.None));

        using (var written = SafeTensorsFile.Open(vae))
        {
            Assert.Equal("2 steps on 6 images", written.Metadata[DemoAdapters.DecoderMarker]);
            Assert.Equal(before.Keys.Order(), written.Tensors.Keys.Order());
            Assert.All(written.Tensors.Values, t => Assert.Equal("F16", t.DType));
            // The encoder (the latent space the U-Net, ControlNet and LoRA were trained in) is the shipped one bit for bit.
            Assert.All(before.Keys.Where(k => !VaeTraining.IsDecoder(k)), k => Assert.True(before[k].allclose(written.Read(k), rtol: 0, atol: 0), k));
            Assert.Contains(before.Keys.Where(VaeTraining.IsDecoder), k => !before[k].allclose(written.Read(k), rtol: 0, atol: 0));
        }
        // Another work folder, the same model: its decoder is not fine-tuned twice.
        var shipped = File.ReadAllBytes(vae);
        Recipe("work-2").BuildDecoder(CancellationToken.None);
        Assert.Contains("was already fine-tuned by this step", log.ToString());
        Assert.Equal(shipped, File.ReadAllBytes(vae));
        Assert.False(Directory.Exists(Path.Combine(_dir, "work-2", "decoder")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
