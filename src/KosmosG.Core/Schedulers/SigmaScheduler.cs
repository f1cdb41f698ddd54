using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>
/// The k-diffusion style schedule the Euler schedulers share: float32 timesteps, sigmas interpolated from the training
/// table at those timesteps (plus a final 0), model input scaled by 1 / sqrt(sigma^2 + 1), and an initial noise sigma
/// of max sigma (linspace/trailing) or sqrt(max sigma^2 + 1) (leading). Default timestep_spacing linspace (diffusers 0.21.4).
/// </summary>
public abstract class SigmaScheduler : DiffusionScheduler
{
    readonly string _spacing;
    readonly int _stepsOffset;
    readonly bool _useKarrasSigmas;
    readonly double? _sigmaMin;
    readonly double? _sigmaMax;
    float[] _sigmas = [];
    Tensor? _sigmaTensor;

    private protected SigmaScheduler(SchedulerConfig config, bool useKarrasSigmas) : base(config)
    {
        _spacing = ConfigOptions.OneOf(Name, "timestep_spacing", config.TimestepSpacing ?? "linspace", TimestepSpacing.Names);
        _stepsOffset = config.StepsOffset ?? 0;
        _useKarrasSigmas = useKarrasSigmas;
        _sigmaMin = config.SigmaMin;
        _sigmaMax = config.SigmaMax;
    }

    /// <summary>float32 [steps + 1]: the noise level of each step, then 0.</summary>
    public Tensor Sigmas => _sigmaTensor ?? throw new InvalidOperationException($"{Name}: call SetTimesteps first");

    /// <summary>The sigmas for scalar arithmetic.</summary>
    private protected IReadOnlyList<float> SigmaValues => _sigmas;

    public override double InitNoiseSigma
    {
        get
        {
            if (_sigmas.Length == 0) throw new InvalidOperationException($"{Name}: call SetTimesteps first");
            var max = _sigmas.Max();
            return _spacing is "linspace" or "trailing" ? max : MathF.Sqrt(max * max + 1f);
        }
    }

    public override void SetTimesteps(int numInferenceSteps)
    {
        TimestepSpacing.CheckSteps(Name, numInferenceSteps, Schedule.NumTrainTimesteps);
        // numpy builds these in float64 and casts to float32; sigmas are interpolated at the float32 timesteps.
        var timesteps = TimestepSpacing.Descending(_spacing, Schedule.NumTrainTimesteps, numInferenceSteps, _stepsOffset, roundLinspace: false)
            .Select(t => (double)(float)t).ToArray();
        var trainingSigmas = Schedule.TrainingSigmas();
        var sigmas = timesteps.Select(t => NumpyRanges.InterpolateTable(t, trainingSigmas)).ToArray();
        if (_useKarrasSigmas)
        {
            sigmas = KarrasSigmas.Sigmas(_sigmaMin ?? sigmas[^1], _sigmaMax ?? sigmas[0], numInferenceSteps);
            var logSigmas = trainingSigmas.Select(s => MathF.Log(s)).ToArray();
            timesteps = sigmas.Select(s => KarrasSigmas.SigmaToTimestep(s, logSigmas)).ToArray();
        }
        _sigmas = [.. sigmas.Select(s => (float)s), 0f];
        _sigmaTensor?.Dispose();
        _sigmaTensor = tensor(_sigmas).DetachFromDisposeScope();
        SetTimestepTensor(tensor(timesteps.Select(t => (float)t).ToArray()));
    }

    public override Tensor ScaleModelInput(Tensor sample, int stepIndex)
    {
        CheckStepIndex(stepIndex);
        var sigma = _sigmas[stepIndex];
        return sample / MathF.Sqrt(sigma * sigma + 1f);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _sigmaTensor?.Dispose();
        base.Dispose(disposing);
    }
}
