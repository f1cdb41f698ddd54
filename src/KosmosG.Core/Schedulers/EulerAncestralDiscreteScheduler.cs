using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>diffusers EulerAncestralDiscreteScheduler: an Euler step down to sigma_down, then fresh noise of std
/// sigma_up (sigma_down^2 + sigma_up^2 = sigma_next^2). Noise comes from the step's generators, or is given explicitly
/// to <see cref="StepWithNoise"/>.</summary>
public sealed class EulerAncestralDiscreteScheduler : SigmaScheduler
{
    readonly string _predictionType;

    public EulerAncestralDiscreteScheduler(SchedulerConfig config) : base(config, useKarrasSigmas: false)
    {
        _predictionType = ConfigOptions.OneOf(Name, "prediction_type", config.PredictionType ?? "epsilon", "epsilon", "v_prediction");
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, int stepIndex, Tensor sample, IReadOnlyList<Generator>? generators = null)
    {
        CheckStepIndex(stepIndex);
        using var noise = StepNoise.Draw(modelOutput, generators);
        return StepWithNoise(modelOutput, stepIndex, sample, noise);
    }

    /// <summary>The step with the ancestral noise given explicitly (same shape as the sample).</summary>
    public SchedulerStepOutput StepWithNoise(Tensor modelOutput, int stepIndex, Tensor sample, Tensor noise)
    {
        CheckStepIndex(stepIndex);
        CheckSameShape(modelOutput, sample);
        StepNoise.CheckShape(noise, sample);
        var sigmaFrom = SigmaValues[stepIndex];
        var sigmaTo = SigmaValues[stepIndex + 1];
        using var scope = NewDisposeScope();
        var predOriginal = _predictionType == "epsilon"
            ? sample - modelOutput * sigmaFrom
            : modelOutput * (-sigmaFrom / MathF.Sqrt(sigmaFrom * sigmaFrom + 1f)) + sample / (sigmaFrom * sigmaFrom + 1f);
        var sigmaUp = MathF.Sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom));
        var sigmaDown = MathF.Sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        var derivative = (sample - predOriginal) / sigmaFrom;
        var prevSample = sample + derivative * (sigmaDown - sigmaFrom) + noise * sigmaUp;
        return new SchedulerStepOutput(prevSample.MoveToOuterDisposeScope(), predOriginal.MoveToOuterDisposeScope());
    }
}
