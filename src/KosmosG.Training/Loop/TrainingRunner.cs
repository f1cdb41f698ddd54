using KosmosG.Pipelines;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Data;
using KosmosG.Training.Optimization;
using KosmosG.Training.Reporting;
using static TorchSharp.torch;

namespace KosmosG.Training.Loop;

/// <summary>How a run ended.</summary>
public sealed record TrainingResult(long Step, bool Interrupted, string? LastCheckpoint, double? FirstLoss, double? LastLoss);

/// <summary>
/// The update loop shared by both stages: prefetching loader, gradient accumulation, mixed-precision AdamW with
/// clipping and the polynomial-decay LR, progress and metrics, validation, checkpoints (periodic, final and on
/// cancellation) and exact resume. Model work stays on the calling thread.
/// </summary>
public sealed class TrainingRunner<TExample, TBatch>
{
    readonly TrainingOptions _options;
    readonly ITrainingObjective<TExample, TBatch> _objective;
    readonly IReadOnlyList<TExample> _train;
    readonly IReadOnlyList<TExample>? _validation;
    readonly ICheckpointContent _content;
    readonly TextWriter _console;

    /// <param name="content">What each checkpoint holds (a model folder, an adapter) and where a resume reads the masters.</param>
    public TrainingRunner(TrainingOptions options, ITrainingObjective<TExample, TBatch> objective, IReadOnlyList<TExample> train,
        IReadOnlyList<TExample>? validation, ICheckpointContent content, TextWriter console)
    {
        _options = options;
        _objective = objective;
        _train = train;
        _validation = validation;
        _content = content;
        _console = console;
    }

    /// <summary>A KOSMOS-G stage: checkpoints are complete model folders.</summary>
    /// <param name="source">The folder the model was loaded from: the start model, or the checkpoint being resumed.</param>
    public TrainingRunner(TrainingOptions options, IKosmosGObjective<TExample, TBatch> objective, IReadOnlyList<TExample> train,
        IReadOnlyList<TExample>? validation, KosmosGModelFolder source, TextWriter console)
        : this(options, objective, train, validation, new KosmosGCheckpointContent(source, objective.Model), console)
    {
    }

    /// <param name="onUpdate">Called on the training thread after every update with the new step count (e.g. to
    /// request a stop through <paramref name="stop"/> at a given step).</param>
    public TrainingResult Run(CancellationToken stop, Action<long>? onUpdate = null)
    {
        if (_options.Threads is int threads) set_num_threads(threads);
        var opts = _options;
        var store = new CheckpointStore(opts.OutputDir, opts.Keep);
        using var optimizer = new MixedPrecisionOptimizer(_objective.Trainable, opts.Optimizer, opts.CreateLossScaler());
        using var reporter = new ProgressReporter(_console, Path.Combine(opts.OutputDir, "metrics.jsonl"), opts.Steps);
        var state = Resume(optimizer, reporter);
        var sampler = new EpochSampler(_train.Count, opts.Seed);
        var schedule = opts.Schedule;
        using var generator = new Generator(0, CPU);
        string? lastCheckpoint = null;
        double? firstLoss = null, lastLoss = null;

        string Save()
        {
            lastCheckpoint = store.Save(state, _content, optimizer.MasterWeights, optimizer.SaveState);
            reporter.Checkpoint(state.Step, lastCheckpoint);
            return lastCheckpoint;
        }

        using (var loader = new PrefetchLoader<TBatch>(sampler, opts.BatchSize, state.Data, BuildTrain, opts.Prefetch))
        {
            while (state.Step < opts.Steps)
            {
                if (stop.IsCancellationRequested)
                {
                    reporter.Message($"interrupted at step {state.Step}: saving a checkpoint");
                    Save();
                    return new TrainingResult(state.Step, true, lastCheckpoint, firstLoss, lastLoss);
                }
                var lr = schedule.LearningRate(state.Step);
                double lossSum = 0;
                var samples = 0;
                var position = state.Data;
                var metricSums = new Dictionary<string, double>();
                for (var micro = 0; micro < opts.GradAccum; micro++)
                {
                    var loaded = loader.Next();
                    using var scope = NewDisposeScope();
                    generator.manual_seed(SeedMix.Combine64(opts.Seed, state.Step, micro));
                    var output = _objective.Forward(loaded.Batch, generator);
                    optimizer.Backward(output.Loss / opts.GradAccum);
                    lossSum += output.Loss.detach().to(ScalarType.Float32).item<float>();
                    foreach (var (k, v) in output.Metrics) metricSums[k] = metricSums.GetValueOrDefault(k) + v;
                    samples += _objective.Count(loaded.Batch);
                    position = loaded.Next;
                }
                var update = optimizer.Step(lr);
                var loss = lossSum / opts.GradAccum;
                firstLoss ??= loss;
                lastLoss = loss;
                state = state with
                {
                    Step = state.Step + 1,
                    DataEpoch = position.Epoch,
                    DataIndex = position.Index,
                    SamplesSeen = state.SamplesSeen + samples,
                    LossScale = optimizer.Scaler?.Scale,
                    LossScaleCleanUpdates = optimizer.Scaler?.CleanUpdates ?? 0,
                };
                var metrics = new Dictionary<string, double> { ["loss"] = loss, ["lr"] = lr, ["grad_norm"] = update.GradNorm };
                foreach (var (k, v) in metricSums) metrics[k] = v / opts.GradAccum;
                if (optimizer.Scaler is not null) metrics["loss_scale"] = update.LossScale;
                if (!update.Applied) reporter.Message($"step {state.Step}: non-finite gradients, update skipped");
                reporter.Train(state.Step, samples, metrics, state.Step % opts.LogEvery == 0 || state.Step == opts.Steps);

                var last = state.Step == opts.Steps;
                if (_validation is not null && ((opts.EvalEvery > 0 && state.Step % opts.EvalEvery == 0) || last))
                    reporter.Eval(state.Step, Evaluate());
                if (state.Step % opts.SaveEvery == 0 || last) Save();
                onUpdate?.Invoke(state.Step);
            }
        }
        return new TrainingResult(state.Step, false, lastCheckpoint, firstLoss, lastLoss);
    }

    TBatch BuildTrain(IReadOnlyList<SampleRef> samples) =>
        _objective.Build(samples.Select(s => _train[s.Example]).ToList(), samples.Select(s => s.CreateRandom(_options.Seed)).ToList());

    TrainingState Resume(MixedPrecisionOptimizer optimizer, ProgressReporter reporter)
    {
        var settings = _options.ResumeSettings();
        if (_options.Resume is null)
            return new TrainingState { Stage = _objective.Stage, Seed = _options.Seed, Settings = settings, LossScale = optimizer.Scaler?.Scale };
        var dir = CheckpointStore.ResolveResume(_options.Resume);
        var state = TrainingState.Load(Path.Combine(dir, CheckpointStore.TrainingFolder, CheckpointStore.StateFile));
        if (state.Stage != _objective.Stage)
            throw new InvalidDataException($"{dir} is a '{state.Stage}' checkpoint; this trainer runs stage '{_objective.Stage}'");
        var changed = settings.Where(kv => state.Settings.GetValueOrDefault(kv.Key) != kv.Value)
            .Select(kv => $"{kv.Key} {state.Settings.GetValueOrDefault(kv.Key) ?? "?"} -> {kv.Value}").ToList();
        if (changed.Count > 0) reporter.Message("warning: settings differ from the checkpoint, the resumed run will not match an uninterrupted one: " + string.Join(", ", changed));
        _content.LoadMasters(optimizer, dir);
        optimizer.LoadState(Path.Combine(dir, CheckpointStore.TrainingFolder, CheckpointStore.OptimizerFile));
        if (optimizer.Scaler is not null && state.LossScale is double scale) optimizer.Scaler.Restore(scale, state.LossScaleCleanUpdates);
        reporter.Message($"resumed from {dir} at step {state.Step} ({state.Data})");
        return state with { Settings = settings };
    }

    /// <summary>Mean metrics over the validation set (fixed order, fixed randomness: comparable across evaluations).</summary>
    Dictionary<string, double> Evaluate()
    {
        var val = _validation!;
        var sums = new Dictionary<string, double>();
        var batches = 0;
        using var generator = new Generator(0, CPU);
        using var _ = no_grad();
        for (var start = 0; start < val.Count && (_options.EvalBatches == 0 || batches < _options.EvalBatches); start += _options.BatchSize)
        {
            var count = Math.Min(_options.BatchSize, val.Count - start);
            var examples = Enumerable.Range(start, count).Select(i => val[i]).ToList();
            var random = Enumerable.Range(start, count).Select(i => new Random(SeedMix.Combine(_options.Seed, -1, i))).ToList();
            using var scope = NewDisposeScope();
            generator.manual_seed(SeedMix.Combine64(_options.Seed, -1, start));
            var output = _objective.Forward(_objective.Build(examples, random), generator);
            sums["val_loss"] = sums.GetValueOrDefault("val_loss") + output.Loss.to(ScalarType.Float32).item<float>();
            foreach (var (k, v) in output.Metrics) sums["val_" + k] = sums.GetValueOrDefault("val_" + k) + v;
            batches++;
        }
        return sums.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(1, batches));
    }
}
