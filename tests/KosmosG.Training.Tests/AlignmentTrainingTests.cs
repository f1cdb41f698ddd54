using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Training.Alignment;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Data;
using KosmosG.Training.Loop;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

public sealed class AlignmentTrainingTests(ITestOutputHelper output) : IDisposable
{
    static readonly string[] Captions =
    [
        "a cat sleeping on a wooden table", "two dogs playing in the garden", "a red car next to a big tree",
        "a small boat on a lake at night", "a bird on a window", "a man with a hat", "a tree in the snow", "a dog on a beach",
    ];

    readonly TinyTrainingSetup _setup = new();

    string Manifest() => _setup.WriteManifest("captions.jsonl", Captions.Select(c => $"{{\"caption\": \"{c}\"}}"));

    AlignmentObjective Load(string modelDir) =>
        AlignmentObjective.Load(modelDir, Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu, reinitAligner: false, TextWriter.Null);

    TrainingResult Run(TrainingOptions options, string modelDir, Action<long>? onUpdate = null, CancellationTokenSource? stop = null)
    {
        using var objective = Load(modelDir);
        var train = CaptionExample.ReadManifest(options.DataManifest);
        var runner = new TrainingRunner<CaptionExample, CaptionBatch>(options, objective, train, null, KosmosGModelFolder.Open(modelDir), TextWriter.Null);
        return runner.Run(stop?.Token ?? CancellationToken.None, onUpdate);
    }

    static double FullLoss(AlignmentObjective objective, IReadOnlyList<CaptionExample> examples)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batch = objective.Build(examples, examples.Select(_ => new Random(0)).ToList());
        return objective.Forward(batch, new Generator(0)).Loss.item<float>();
    }

    [Fact]
    public void LossGoesDownAndFrozenParametersStayBitIdentical()
    {
        var options = _setup.Options(Manifest(), "run", steps: 30, batchSize: 4);
        using var objective = Load(_setup.ModelDir);
        var examples = CaptionExample.ReadManifest(options.DataManifest);
        Assert.All(objective.Trainable, p => Assert.StartsWith("aligner.", p.Name));
        Assert.Contains(objective.Trainable, p => p.Name.StartsWith("aligner.decoder", StringComparison.Ordinal));
        var frozen = objective.Model.named_parameters().Where(p => !p.name.StartsWith("aligner.", StringComparison.Ordinal))
            .ToDictionary(p => p.name, p => p.parameter.detach().clone());
        Assert.NotEmpty(frozen);
        Assert.All(objective.Model.named_parameters(), p => Assert.Equal(p.name.StartsWith("aligner."), p.parameter.requires_grad));

        var before = FullLoss(objective, examples);
        var result = new TrainingRunner<CaptionExample, CaptionBatch>(options, objective, examples, examples,
            KosmosGModelFolder.Open(_setup.ModelDir), TextWriter.Null).Run(CancellationToken.None);
        var after = FullLoss(objective, examples);

        Assert.Equal(30, result.Step);
        Assert.True(after < 0.8 * before, $"stage-2 loss on the training captions: {before} -> {after}");
        output.WriteLine($"stage 2 small run: full-set loss {before:0.#####} -> {after:0.#####}; batch loss {result.FirstLoss:0.#####} -> {result.LastLoss:0.#####}");
        foreach (var (name, parameter) in objective.Model.named_parameters().Where(p => frozen.ContainsKey(p.name)))
            Assert.True(frozen[name].Equals(parameter), $"frozen {name} changed");
        // The checkpoint keeps frozen tensors exactly as they were in the start model.
        TinyTrainingSetup.AssertSameWeights(Path.Combine(_setup.ModelDir, KosmosGModelFolder.WeightsFile),
            Path.Combine(result.LastCheckpoint!, KosmosGModelFolder.WeightsFile), k => !k.StartsWith("aligner.", StringComparison.Ordinal) && !KosmosGModel.IsUnusedCheckpointKey(k, withAlignerDecoder: true));
        var metrics = File.ReadAllLines(Path.Combine(options.OutputDir, "metrics.jsonl"));
        Assert.Equal(30, metrics.Count(l => l.Contains("\"kind\":\"train\"")));
        Assert.Contains(metrics, l => l.Contains("\"kind\":\"eval\"") && l.Contains("val_cosine"));
    }

    [Fact]
    public void StoppedAndResumedRunEndsWithTheSameWeights()
    {
        var manifest = Manifest();
        var straight = Run(_setup.Options(manifest, "straight", steps: 8, batchSize: 3), _setup.ModelDir);

        using (var stop = new CancellationTokenSource())
        {
            var first = Run(_setup.Options(manifest, "split", steps: 8, batchSize: 3), _setup.ModelDir, step => { if (step == 3) stop.Cancel(); }, stop);
            Assert.True(first.Interrupted);
            Assert.Equal(3, first.Step);
        }
        var resumeDir = CheckpointStore.ResolveResume(Path.Combine(_setup.Root, "split"));
        Assert.EndsWith("step-0000003", resumeDir);
        // Saving every 2 steps and keeping 1 checkpoint: the checkpoint the run resumed from, which each save copies the
        // config and tokenizer from, must survive the pruning.
        var resumed = Run(_setup.Options(manifest, "split", steps: 8, batchSize: 3, resume: Path.Combine(_setup.Root, "split")) with { SaveEvery = 2, Keep = 1 }, resumeDir);
        Assert.Equal(8, resumed.Step);
        Assert.Equal(["step-0000003", "step-0000008"], Directory.GetDirectories(Path.Combine(_setup.Root, "split"), "step-*").Select(Path.GetFileName).Order());

        TinyTrainingSetup.AssertSameWeights(Path.Combine(straight.LastCheckpoint!, KosmosGModelFolder.WeightsFile),
            Path.Combine(resumed.LastCheckpoint!, KosmosGModelFolder.WeightsFile));
    }

    public void Dispose() => _setup.Dispose();
}
