using System.Text.Json;
using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.ToyWorld;
using KosmosG.Training.Adapters;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Loop;
using KosmosG.Training.Optimization;
using static TorchSharp.torch;

namespace KosmosG.Training.Demo;

/// <summary>One adapter run of the recipe.</summary>
public sealed record AdapterRun(int Examples, int Steps, int BatchSize, double Lr, int Warmup, TimestepSampling Timesteps = TimestepSampling.Uniform)
{
    /// <summary>A second phase continuing from this one's weights with a fresh optimizer (same data; Examples unused).</summary>
    public AdapterRun? Then { get; init; }
}

/// <summary>
/// The demo adapters, trained by kosmosg-train-controlnet / kosmosg-train-lora's objectives on the shapes world against
/// the finished demo model (which does not change): ControlNet <c>canny</c> (a layout picture's Canny edges decide
/// shape, place and size; the subject image its colour) and LoRA <c>large</c> (objects at 1.5x linear size). Data and
/// checkpoints live in the work folder; a stopped build resumes; the products are written fp16 into the model folder's
/// controlnets/canny/ and loras/large.safetensors.
/// </summary>
public sealed class DemoAdapters(string modelDir, string workDir, TextWriter log)
{
    public const string SubjectPrompt = ToyAdapterJudge.SubjectPrompt;
    /// <summary>How much larger (linear) the LoRA's targets are drawn.</summary>
    public const double LargeScale = 1.5;

    // Timesteps biased to high noise, where sampling decides shape and place (docs/DEMO-MODEL.md "Adapters": uniform ones,
    // 400 updates at lr 5e-4, placed the object but mostly kept the subject's own shape, layout followed 0.30).
    public AdapterRun Canny { get; init; } = new(Examples: 1200, Steps: 800, BatchSize: 8, Lr: 1e-3, Warmup: 20, TimestepSampling.Cubic);
    // A second phase at a lower LR: the area ratio 1.80 -> 1.83 (median 1.77 -> 1.93).
    public AdapterRun Large { get; init; } = new(Examples: 600, Steps: 800, BatchSize: 8, Lr: 1e-3, Warmup: 20)
    {
        Then = new(Examples: 0, Steps: 400, BatchSize: 8, Lr: 3e-4, Warmup: 20),
    };
    public int Seed { get; init; } = 17;

    string Work(string name) => Path.Combine(workDir, name);

    public string WriteCannyData()
    {
        var dir = Work("canny-data");
        var manifest = Path.Combine(dir, "train.jsonl");
        if (File.Exists(manifest)) return manifest;
        Directory.CreateDirectory(dir);
        var random = new Random(Seed);
        var lines = new List<string>();
        for (var i = 0; i < Canny.Examples; i++)
        {
            var subject = new ToySubject(ToyColor.Palette[random.Next(ToyColor.Palette.Count)], ToyShape.All[random.Next(ToyShape.All.Count)]);
            var layout = ToyPlacement.RandomLayout(random);
            var subjectFile = $"subject-{subject.Key}.png";
            if (!File.Exists(Path.Combine(dir, subjectFile))) ToyPngFile.Save(ToyRenderer.RenderSubject(subject), Path.Combine(dir, subjectFile));
            ToyPngFile.Save(ToyAdapterJudge.ControlMap(ToyPlacement.LayoutPicture(layout, random)), Path.Combine(dir, $"control-{i:D4}.png"));
            ToyPngFile.Save(ToyPlacement.Render(ToyBackground.Black, [(subject.Color, layout)]), Path.Combine(dir, $"target-{i:D4}.png"));
            lines.Add(JsonSerializer.Serialize(new { prompt = SubjectPrompt, images = new[] { subjectFile }, target = $"target-{i:D4}.png", control = $"control-{i:D4}.png" }));
        }
        File.WriteAllLines(manifest, lines);
        return manifest;
    }

    public string WriteLargeData()
    {
        var dir = Work("large-data");
        var manifest = Path.Combine(dir, "train.jsonl");
        if (File.Exists(manifest)) return manifest;
        Directory.CreateDirectory(dir);
        var random = new Random(Seed + 1);
        var lines = new List<string>();
        for (var i = 0; i < Large.Examples; i++)
        {
            var background = new[] { ToyBackground.White, ToyBackground.Black, ToyBackground.Gray }[random.Next(3)];
            var obj = new ToyObject(ToyColor.Palette[random.Next(ToyColor.Palette.Count)], ToyShape.All[random.Next(ToyShape.All.Count)],
                ToyPosition.All[random.Next(ToyPosition.All.Count)]);
            var target = $"target-{i:D4}.png";
            ToyPngFile.Save(ToyPlacement.Render(background, [(obj.Color, ToyPlacement.Of(obj, LargeScale))]), Path.Combine(dir, target));
            if (random.Next(2) == 0)
            {
                lines.Add(JsonSerializer.Serialize(new { caption = ToyCaptions.Caption(new ToyScene(background, obj)), target }));
                continue;
            }
            var subjectFile = $"subject-{obj.Subject.Key}.png";
            if (!File.Exists(Path.Combine(dir, subjectFile))) ToyPngFile.Save(ToyRenderer.RenderSubject(obj.Subject), Path.Combine(dir, subjectFile));
            lines.Add(JsonSerializer.Serialize(new { prompt = $"<i> {obj.Position.Phrase} on a {background.Name} background", images = new[] { subjectFile }, target }));
        }
        File.WriteAllLines(manifest, lines);
        return manifest;
    }

    TrainingOptions Options(string manifest, string output, AdapterRun run) => new()
    {
        ModelDir = modelDir,
        DataManifest = manifest,
        OutputDir = Work(output),
        Steps = run.Steps,
        BatchSize = run.BatchSize,
        Lr = run.Lr,
        Warmup = run.Warmup,
        Seed = Seed,
        Resume = File.Exists(Path.Combine(Work(output), CheckpointStore.LatestFile)) ? Work(output) : null,
        SaveEvery = Math.Max(1, run.Steps / 8),
        LogEvery = 10,
        Optimizer = new OptimizerSettings { Beta2 = 0.999, Eps = 1e-8, WeightDecay = 0.01, ClipNorm = 1.0 },
    };

    static AdapterSettings Settings(AdapterRun run) => new() { SampleLatents = false, ConditionDropout = 0.1, Timesteps = run.Timesteps };

    /// <summary>Runs (or continues) each phase of <paramref name="run"/> in its own output folder (canny, canny-2, ...); a finished
    /// phase only restores its last checkpoint, so the parameters end with the last phase's final weights.</summary>
    void Train(AdapterObjective objective, string manifest, string output, AdapterRun run, bool control, AdapterCheckpointContent content, CancellationToken stop)
    {
        var examples = AdapterExample.ReadManifest(manifest, control);
        var phase = 1;
        for (var current = run; current is not null; current = current.Then, phase++)
        {
            objective.Timesteps = current.Timesteps;
            var options = Options(manifest, phase == 1 ? output : $"{output}-{phase}", current);
            new TrainingRunner<AdapterExample, AdapterBatch>(options, objective, examples, null, content, log).Run(stop);
            stop.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Trains (or continues) the ControlNet and writes it fp16 to MODEL/controlnets/canny/.</summary>
    public string BuildCanny(CancellationToken stop)
    {
        var manifest = WriteCannyData();
        var frozen = FrozenDiffusion.Load(modelDir, ComputeOptions.Cpu, Settings(Canny));
        manual_seed(Seed);
        var controlNet = ControlNetFromUnet.Create(frozen.Unet, ControlNetFromUnet.DefaultEmbedding(frozen.VaeFactor));
        using var objective = new ControlNetObjective(frozen, controlNet, ComputeOptions.Cpu, Settings(Canny));
        var config = ControlNetFromUnet.Config(frozen.UnetConfigPath, controlNet.Config);
        var content = new AdapterCheckpointContent((folder, masters) => ControlNetFromUnet.Save(folder, config, controlNet, masters, ScalarType.Float32));
        Train(objective, manifest, "canny", Canny, control: true, content, stop);
        // The parameters hold the final weights (trained, or restored from the finished run's last checkpoint).
        var target = Path.Combine(modelDir, "controlnets", "canny");
        ControlNetFromUnet.Save(target, config, controlNet, new Dictionary<string, Tensor>(), ScalarType.Float16);
        return target;
    }

    /// <summary>Trains (or continues) the LoRA and writes it fp16 (kohya layout) to MODEL/loras/large.safetensors.</summary>
    public string BuildLarge(CancellationToken stop)
    {
        var manifest = WriteLargeData();
        using var objective = new LoraObjective(FrozenDiffusion.Load(modelDir, ComputeOptions.Cpu, Settings(Large)), ComputeOptions.Cpu, Settings(Large),
            rank: 8, alpha: 8, convs: true, Seed, crossKeyValue: false);
        var content = new AdapterCheckpointContent((folder, masters) => objective.Lora.SaveKohya(Path.Combine(folder, "large.safetensors"), masters, ScalarType.Float32));
        Train(objective, manifest, "large", Large, control: false, content, stop);
        var target = Path.Combine(modelDir, "loras", "large.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        objective.Lora.SaveKohya(target, objective.Trainable.ToDictionary(p => p.Name, p => (Tensor)p.Parameter), ScalarType.Float16);
        return target;
    }
}
