using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>
/// diffusers DDIMScheduler (defaults of diffusers 0.21.4: timestep_spacing leading, clip_sample and set_alpha_to_one
/// true). eta 0 is deterministic; eta &gt; 0 adds variance noise from the step's generators.
/// </summary>
public sealed class DDIMScheduler : DiffusionScheduler
{
    readonly string _predictionType;
    readonly string _spacing;
    readonly int _stepsOffset;
    readonly float _finalAlphaCumprod;
    readonly double? _clipSampleRange;
    readonly DynamicThresholding? _thresholding;
    readonly double _eta;
    int _numInferenceSteps;
    long[] _timesteps = [];

    public DDIMScheduler(SchedulerConfig config, double eta = 0.0) : base(config)
    {
        ConfigOptions.Check(eta >= 0 && double.IsFinite(eta), Name, "eta", $"must be a finite value >= 0, got {eta}");
        _eta = eta;
        _predictionType = ConfigOptions.OneOf(Name, "prediction_type", config.PredictionType ?? "epsilon", "epsilon", "sample", "v_prediction");
        _spacing = ConfigOptions.OneOf(Name, "timestep_spacing", config.TimestepSpacing ?? "leading", TimestepSpacing.Names);
        _stepsOffset = config.StepsOffset ?? 0;
        _finalAlphaCumprod = config.SetAlphaToOne ?? true ? 1f : Schedule.AlphasCumprodValues[0];
        _thresholding = DynamicThresholding.FromConfig(config, Name);
        _clipSampleRange = _thresholding is null && (config.ClipSample ?? true) ? config.ClipSampleRange ?? 1.0 : null;
    }

    public override double InitNoiseSigma => 1.0;

    public override void SetTimesteps(int numInferenceSteps)
    {
        TimestepSpacing.CheckSteps(Name, numInferenceSteps, Schedule.NumTrainTimesteps);
        var timesteps = TimestepSpacing.Descending(_spacing, Schedule.NumTrainTimesteps, numInferenceSteps, _stepsOffset, roundLinspace: true)
            .Select(t => (long)t).ToArray();
        CheckTimestepRange(timesteps);
        _numInferenceSteps = numInferenceSteps;
        _timesteps = timesteps;
        SetTimestepTensor(tensor(timesteps));
    }

    public override Tensor ScaleModelInput(Tensor sample, int stepIndex)
    {
        CheckStepIndex(stepIndex);
        return sample.alias();
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, int stepIndex, Tensor sample, IReadOnlyList<Generator>? generators = null)
    {
        if (_eta == 0) return StepWithNoise(modelOutput, stepIndex, sample, null);
        CheckStepIndex(stepIndex);
        using var noise = StepNoise.Draw(modelOutput, generators);
        return StepWithNoise(modelOutput, stepIndex, sample, noise);
    }

    /// <summary>Step with the variance noise given explicitly (used when eta &gt; 0; ignored otherwise).</summary>
    public SchedulerStepOutput StepWithNoise(Tensor modelOutput, int stepIndex, Tensor sample, Tensor? varianceNoise)
    {
        CheckStepIndex(stepIndex);
        CheckSameShape(modelOutput, sample);
        var ac = Schedule.AlphasCumprodValues;
        var timestep = _timesteps[stepIndex];
        // diffusers steps back by num_train_timesteps // num_inference_steps whatever the spacing.
        var prevTimestep = timestep - Schedule.NumTrainTimesteps / _numInferenceSteps;
        var alphaProdT = ac[timestep];
        var alphaProdTPrev = prevTimestep >= 0 ? ac[prevTimestep] : _finalAlphaCumprod;
        var betaProdT = 1f - alphaProdT;

        using var scope = NewDisposeScope();
        Tensor predOriginal, predEpsilon;
        switch (_predictionType)
        {
            case "epsilon":
                predOriginal = (sample - modelOutput * MathF.Sqrt(betaProdT)) / MathF.Sqrt(alphaProdT);
                predEpsilon = modelOutput;
                break;
            case "sample":
                predOriginal = modelOutput;
                predEpsilon = (sample - predOriginal * MathF.Sqrt(alphaProdT)) / MathF.Sqrt(betaProdT);
                break;
            default:
                predOriginal = sample * MathF.Sqrt(alphaProdT) - modelOutput * MathF.Sqrt(betaProdT);
                predEpsilon = modelOutput * MathF.Sqrt(alphaProdT) + sample * MathF.Sqrt(betaProdT);
                break;
        }
        if (_thresholding is not null) predOriginal = _thresholding.Apply(predOriginal);
        else if (_clipSampleRange is { } range) predOriginal = predOriginal.clamp(-range, range);

        var betaProdTPrev = 1f - alphaProdTPrev;
        var variance = betaProdTPrev / betaProdT * (1f - alphaProdT / alphaProdTPrev);
        var stdDevT = (float)(_eta * MathF.Sqrt(variance));
        var direction = predEpsilon * MathF.Sqrt(1f - alphaProdTPrev - stdDevT * stdDevT);
        var prevSample = predOriginal * MathF.Sqrt(alphaProdTPrev) + direction;
        if (_eta > 0)
        {
            if (varianceNoise is null) throw new ArgumentNullException(nameof(varianceNoise), $"{Name}: eta > 0 needs variance noise");
            StepNoise.CheckShape(varianceNoise, sample);
            prevSample = prevSample + varianceNoise * stdDevT;
        }
        return new SchedulerStepOutput(prevSample.MoveToOuterDisposeScope(),
            ReferenceEquals(predOriginal, modelOutput) ? modelOutput.alias() : predOriginal.MoveToOuterDisposeScope());
    }
}
