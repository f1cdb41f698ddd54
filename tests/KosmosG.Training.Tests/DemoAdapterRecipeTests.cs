using KosmosG.Training.Checkpoints;
using KosmosG.Training.Demo;
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
        // Phase 2 at a learning rate too small to move anything: its result is phase 1's weights if it starts from them.
        DemoAdapters Recipe() => new(model, work, log)
        {
            Large = new AdapterRun(Examples: 4, Steps: 2, BatchSize: 2, Lr: 1e-2, Warmup: 0) { Then = new AdapterRun(0, Steps: 1, BatchSize: 2, Lr: 1e-12, Warmup: 0) },
        };

        var written = Recipe().BuildLarge(CancellationToken.None);
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

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
