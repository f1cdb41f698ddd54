using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>What every scheduler shares: the noise schedule, the timestep tensor, step-index checks and ownership of
/// the tensors it keeps across calls (kept out of the caller's dispose scopes and freed by Dispose).</summary>
public abstract class DiffusionScheduler : IScheduler
{
    Tensor? _timesteps;

    private protected DiffusionScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Name = GetType().Name;
        Schedule = new NoiseSchedule(config, Name);
    }

    private protected string Name { get; }
    private protected NoiseSchedule Schedule { get; }

    /// <summary>float32 [num_train_timesteps] cumulative product of (1 - beta), on the CPU.</summary>
    public Tensor AlphasCumprod => Schedule.AlphasCumprod;

    public Tensor Timesteps => _timesteps ?? throw NotReady();

    /// <summary>Number of entries in <see cref="Timesteps"/> (PNDM: one more than the inference steps).</summary>
    public int StepCount => (int)Timesteps.shape[0];

    public abstract double InitNoiseSigma { get; }
    public abstract void SetTimesteps(int numInferenceSteps);
    public abstract Tensor ScaleModelInput(Tensor sample, int stepIndex);
    public abstract SchedulerStepOutput Step(Tensor modelOutput, int stepIndex, Tensor sample, IReadOnlyList<Generator>? generators = null);

    private protected void SetTimestepTensor(Tensor timesteps)
    {
        _timesteps?.Dispose();
        _timesteps = timesteps.DetachFromDisposeScope();
    }

    /// <summary>Integer timesteps index alphas_cumprod, so they must lie in [0, num_train_timesteps).</summary>
    private protected void CheckTimestepRange(IEnumerable<long> timesteps)
    {
        foreach (var t in timesteps)
            if (t < 0 || t >= Schedule.NumTrainTimesteps)
                throw new ArgumentException(
                    $"{Name}: timestep {t} is outside [0, {Schedule.NumTrainTimesteps}) (check steps_offset and num_inference_steps)");
    }

    /// <summary>Throws unless SetTimesteps ran and the index addresses a timestep.</summary>
    private protected void CheckStepIndex(int stepIndex)
    {
        if (_timesteps is null) throw NotReady();
        if (stepIndex < 0 || stepIndex >= StepCount)
            throw new ArgumentOutOfRangeException(nameof(stepIndex), stepIndex, $"{Name}: step index must be in [0, {StepCount})");
    }

    private protected static void CheckSameShape(Tensor modelOutput, Tensor sample)
    {
        if (!modelOutput.shape.SequenceEqual(sample.shape))
            throw new ArgumentException(
                $"model output shape [{string.Join(", ", modelOutput.shape)}] does not match sample shape [{string.Join(", ", sample.shape)}]",
                nameof(modelOutput));
    }

    /// <summary>A handle to a caller's tensor that survives the caller disposing its own handle or scope.</summary>
    private protected static Tensor Keep(Tensor tensor) => tensor.alias().DetachFromDisposeScope();

    InvalidOperationException NotReady() => new($"{Name}: call SetTimesteps before using the schedule");

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        _timesteps?.Dispose();
        Schedule.Dispose();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
