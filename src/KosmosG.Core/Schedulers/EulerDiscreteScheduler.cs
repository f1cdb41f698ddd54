using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>diffusers EulerDiscreteScheduler (Algorithm 2 of Karras et al. 2022 without churn): a deterministic Euler
/// step of the probability-flow ODE in sigma. Supports linear sigma interpolation and Karras sigmas.</summary>
public sealed class EulerDiscreteScheduler : SigmaScheduler
{
    readonly string _predictionType;

    public EulerDiscreteScheduler(SchedulerConfig config) : base(config, config.UseKarrasSigmas ?? false)
    {
        _predictionType = ConfigOptions.OneOf(Name, "prediction_type", config.PredictionType ?? "epsilon", "epsilon", "sample", "v_prediction");
        ConfigOptions.OneOf(Name, "interpolation_type", config.InterpolationType ?? "linear", "linear");
        ConfigOptions.OneOf(Name, "timestep_type", config.TimestepType ?? "discrete", "discrete");
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, int stepIndex, Tensor sample, IReadOnlyList<Generator>? generators = null)
    {
        CheckStepIndex(stepIndex);
        CheckSameShape(modelOutput, sample);
        var sigma = SigmaValues[stepIndex];
        using var scope = NewDisposeScope();
        var predOriginal = _predictionType switch
        {
            "epsilon" => sample - modelOutput * sigma,
            "v_prediction" => modelOutput * (-sigma / MathF.Sqrt(sigma * sigma + 1f)) + sample / (sigma * sigma + 1f),
            _ => modelOutput.alias(),
        };
        var derivative = (sample - predOriginal) / sigma;
        var dt = SigmaValues[stepIndex + 1] - sigma;
        var prevSample = sample + derivative * dt;
        return new SchedulerStepOutput(prevSample.MoveToOuterDisposeScope(), predOriginal.MoveToOuterDisposeScope());
    }
}
