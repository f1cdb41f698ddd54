using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>
/// diffusers DPMSolverMultistepScheduler: DPM-Solver++ (default) or DPM-Solver, orders 1-3, midpoint or heun
/// second-order updates, first-order first step and (lower_order_final, fewer than 15 steps) lower-order final steps.
/// Defaults of diffusers 0.21.4: timestep_spacing linspace, steps_offset 0. Steps are computed from the per-step sigmas
/// as diffusers 0.25.1 does (identical to 0.21.4's timestep-indexed tables up to float32 rounding); the last step goes to
/// the sigma of timestep 0 unless final_sigmas_type is "zero".
/// </summary>
public sealed class DPMSolverMultistepScheduler : DiffusionScheduler
{
    readonly string _predictionType;
    readonly string _spacing;
    readonly int _stepsOffset;
    readonly int _solverOrder;
    readonly bool _plusPlus;
    readonly bool _midpoint;
    readonly bool _lowerOrderFinal;
    readonly bool _eulerAtFinal;
    readonly bool _useKarrasSigmas;
    readonly bool _finalSigmaZero;
    readonly bool _learnedVariance;
    readonly double _lambdaMinClipped;
    readonly DynamicThresholding? _thresholding;
    float[] _sigmas = [];
    Tensor? _sigmaTensor;
    // Multistep state, reset by SetTimesteps: the last solver_order converted model outputs (oldest first).
    readonly Tensor?[] _modelOutputs;
    int _lowerOrderNums;
    int _nextStep;

    public DPMSolverMultistepScheduler(SchedulerConfig config) : base(config)
    {
        _predictionType = ConfigOptions.OneOf(Name, "prediction_type", config.PredictionType ?? "epsilon", "epsilon", "sample", "v_prediction");
        _spacing = ConfigOptions.OneOf(Name, "timestep_spacing", config.TimestepSpacing ?? "linspace", TimestepSpacing.Names);
        _stepsOffset = config.StepsOffset ?? 0;
        _solverOrder = config.SolverOrder ?? 2;
        ConfigOptions.Check(_solverOrder is >= 1 and <= 3, Name, "solver_order", $"must be 1, 2 or 3, got {_solverOrder}");
        // diffusers maps the "deis" algorithm and the logrho/bh1/bh2 solver types of other schedulers' configs onto these.
        var algorithm = config.AlgorithmType == "deis" ? "dpmsolver++" : config.AlgorithmType ?? "dpmsolver++";
        _plusPlus = ConfigOptions.OneOf(Name, "algorithm_type", algorithm, "dpmsolver++", "dpmsolver") == "dpmsolver++";
        var solverType = config.SolverType is "logrho" or "bh1" or "bh2" ? "midpoint" : config.SolverType ?? "midpoint";
        _midpoint = ConfigOptions.OneOf(Name, "solver_type", solverType, "midpoint", "heun") == "midpoint";
        _lowerOrderFinal = config.LowerOrderFinal ?? true;
        _eulerAtFinal = config.EulerAtFinal ?? false;
        _useKarrasSigmas = config.UseKarrasSigmas ?? false;
        ConfigOptions.NotEnabled(Name, "use_lu_lambdas", config.UseLuLambdas);
        _finalSigmaZero = ConfigOptions.OneOf(Name, "final_sigmas_type", config.FinalSigmasType ?? "sigma_min", "sigma_min", "zero") == "zero";
        ConfigOptions.Check(!_finalSigmaZero || _plusPlus, Name, "final_sigmas_type", "'zero' needs algorithm_type dpmsolver++");
        _learnedVariance = config.VarianceType is "learned" or "learned_range";
        _lambdaMinClipped = config.LambdaMinClipped ?? double.NegativeInfinity;
        _thresholding = DynamicThresholding.FromConfig(config, Name);
        _modelOutputs = new Tensor?[_solverOrder];
    }

    public override double InitNoiseSigma => 1.0;

    /// <summary>float32 [steps + 1]: the sigma of each step and the final one.</summary>
    public Tensor Sigmas => _sigmaTensor ?? throw new InvalidOperationException($"{Name}: call SetTimesteps first");

    public override void SetTimesteps(int numInferenceSteps)
    {
        var n = Schedule.NumTrainTimesteps;
        TimestepSpacing.CheckSteps(Name, numInferenceSteps, n);
        var trainingSigmas = Schedule.TrainingSigmas();
        var lastTimestep = n - ClippedLambdaCount();
        long[] timesteps = _spacing switch
        {
            "linspace" => NumpyRanges.Linspace(0, lastTimestep - 1, numInferenceSteps + 1)
                .Select(t => (long)NumpyRanges.Round(t)).Reverse().SkipLast(1).ToArray(),
            "leading" => Enumerable.Range(0, numInferenceSteps + 1)
                .Select(i => (long)i * (lastTimestep / (numInferenceSteps + 1)) + _stepsOffset).Reverse().SkipLast(1).ToArray(),
            _ => NumpyRanges.Arange(lastTimestep, 0, -(double)n / numInferenceSteps)
                .Select(t => (long)NumpyRanges.Round(t) - 1).ToArray(),
        };

        float[] sigmas;
        if (_useKarrasSigmas)
        {
            var logSigmas = trainingSigmas.Select(s => MathF.Log(s)).ToArray();
            var karras = KarrasSigmas.Sigmas(trainingSigmas[0], trainingSigmas[^1], numInferenceSteps);
            timesteps = karras.Select(s => (long)NumpyRanges.Round(KarrasSigmas.SigmaToTimestep(s, logSigmas))).ToArray();
            sigmas = [.. karras.Select(s => (float)s), _finalSigmaZero ? 0f : (float)karras[^1]];
        }
        else
        {
            // Close to num_train_timesteps the rounded points repeat; keep the first of each (diffusers 0.21.4).
            timesteps = timesteps.Distinct().ToArray();
            CheckTimestepRange(timesteps);
            sigmas = [.. timesteps.Select(t => trainingSigmas[t]), _finalSigmaZero ? 0f : trainingSigmas[0]];
        }
        _sigmas = sigmas;
        _sigmaTensor?.Dispose();
        _sigmaTensor = tensor(sigmas).DetachFromDisposeScope();
        SetTimestepTensor(tensor(timesteps));
        ResetState();
    }

    /// <summary>torch.searchsorted(flip(lambda_t), lambda_min_clipped): how many timesteps have lambda below the clip
    /// (critical for the cosine schedule, none for SD's).</summary>
    int ClippedLambdaCount()
    {
        if (double.IsNegativeInfinity(_lambdaMinClipped)) return 0;
        return Schedule.AlphasCumprodValues.Count(a => MathF.Log(MathF.Sqrt(a)) - MathF.Log(MathF.Sqrt(1f - a)) < _lambdaMinClipped);
    }

    public override Tensor ScaleModelInput(Tensor sample, int stepIndex)
    {
        CheckStepIndex(stepIndex);
        return sample.alias();
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, int stepIndex, Tensor sample, IReadOnlyList<Generator>? generators = null)
    {
        CheckStepIndex(stepIndex);
        if (stepIndex != _nextStep)
            throw new InvalidOperationException($"{Name}: steps must run in order on one instance (expected step {_nextStep}, got {stepIndex})");

        var count = StepCount;
        var lowerOrderFinal = stepIndex == count - 1 && (_eulerAtFinal || _finalSigmaZero || (_lowerOrderFinal && count < 15));
        var lowerOrderSecond = stepIndex == count - 2 && _lowerOrderFinal && count < 15;

        using var scope = NewDisposeScope();
        // Models that also predict the variance output twice the channels; only the mean part is used.
        if (_learnedVariance) modelOutput = modelOutput.narrow(1, 0, sample.shape[1]);
        CheckSameShape(modelOutput, sample);
        var converted = ConvertModelOutput(modelOutput, sample, stepIndex);
        _modelOutputs[0]?.Dispose();
        for (var i = 0; i < _solverOrder - 1; i++) _modelOutputs[i] = _modelOutputs[i + 1];
        _modelOutputs[^1] = converted.DetachFromDisposeScope();

        Tensor prev;
        if (_solverOrder == 1 || _lowerOrderNums < 1 || lowerOrderFinal) prev = FirstOrderUpdate(converted, sample, stepIndex);
        else if (_solverOrder == 2 || _lowerOrderNums < 2 || lowerOrderSecond) prev = SecondOrderUpdate(sample, stepIndex);
        else prev = ThirdOrderUpdate(sample, stepIndex);

        if (_lowerOrderNums < _solverOrder) _lowerOrderNums++;
        _nextStep++;
        return new SchedulerStepOutput(prev.MoveToOuterDisposeScope(), null);
    }

    /// <summary>alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha_t, lambda = log alpha_t - log sigma_t (float32).</summary>
    (float Alpha, float Sigma, float Lambda) At(int index)
    {
        var sigma = _sigmas[index];
        var alpha = 1f / MathF.Sqrt(sigma * sigma + 1f);
        var sigmaT = sigma * alpha;
        return (alpha, sigmaT, MathF.Log(alpha) - MathF.Log(sigmaT));
    }

    /// <summary>DPM-Solver++ works on the x0 prediction, DPM-Solver on the noise prediction.</summary>
    Tensor ConvertModelOutput(Tensor modelOutput, Tensor sample, int stepIndex)
    {
        var (alpha, sigma, _) = At(stepIndex);
        if (_plusPlus)
        {
            var x0 = _predictionType switch
            {
                "epsilon" => (sample - modelOutput * sigma) / alpha,
                "sample" => modelOutput.alias(),
                _ => sample * alpha - modelOutput * sigma,
            };
            return _thresholding?.Apply(x0) ?? x0;
        }
        var epsilon = _predictionType switch
        {
            "epsilon" => modelOutput.alias(),
            "sample" => (sample - modelOutput * alpha) / sigma,
            _ => modelOutput * alpha + sample * sigma,
        };
        if (_thresholding is null) return epsilon;
        var thresholded = _thresholding.Apply((sample - epsilon * sigma) / alpha);
        return (sample - thresholded * alpha) / sigma;
    }

    Tensor FirstOrderUpdate(Tensor m0, Tensor sample, int i)
    {
        var (alphaT, sigmaT, lambdaT) = At(i + 1);
        var (alphaS, sigmaS, lambdaS) = At(i);
        var h = lambdaT - lambdaS;
        return _plusPlus
            ? sample * (sigmaT / sigmaS) - m0 * (alphaT * (MathF.Exp(-h) - 1f))
            : sample * (alphaT / alphaS) - m0 * (sigmaT * (MathF.Exp(h) - 1f));
    }

    Tensor SecondOrderUpdate(Tensor sample, int i)
    {
        var (alphaT, sigmaT, lambdaT) = At(i + 1);
        var (alphaS0, sigmaS0, lambdaS0) = At(i);
        var (_, _, lambdaS1) = At(i - 1);
        Tensor m0 = _modelOutputs[^1]!, m1 = _modelOutputs[^2]!;
        float h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1;
        var r0 = h0 / h;
        var d0 = m0;
        var d1 = (m0 - m1) * (1f / r0);
        if (_plusPlus)
        {
            var expm1 = MathF.Exp(-h) - 1f;
            return _midpoint
                ? sample * (sigmaT / sigmaS0) - d0 * (alphaT * expm1) - d1 * (0.5f * (alphaT * expm1))
                : sample * (sigmaT / sigmaS0) - d0 * (alphaT * expm1) + d1 * (alphaT * (expm1 / h + 1f));
        }
        var expm1Pos = MathF.Exp(h) - 1f;
        return _midpoint
            ? sample * (alphaT / alphaS0) - d0 * (sigmaT * expm1Pos) - d1 * (0.5f * (sigmaT * expm1Pos))
            : sample * (alphaT / alphaS0) - d0 * (sigmaT * expm1Pos) - d1 * (sigmaT * (expm1Pos / h - 1f));
    }

    Tensor ThirdOrderUpdate(Tensor sample, int i)
    {
        var (alphaT, sigmaT, lambdaT) = At(i + 1);
        var (alphaS0, sigmaS0, lambdaS0) = At(i);
        var (_, _, lambdaS1) = At(i - 1);
        var (_, _, lambdaS2) = At(i - 2);
        Tensor m0 = _modelOutputs[^1]!, m1 = _modelOutputs[^2]!, m2 = _modelOutputs[^3]!;
        float h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1, h1 = lambdaS1 - lambdaS2;
        float r0 = h0 / h, r1 = h1 / h;
        var d0 = m0;
        var d10 = (m0 - m1) * (1f / r0);
        var d11 = (m1 - m2) * (1f / r1);
        var d1 = d10 + (d10 - d11) * (r0 / (r0 + r1));
        var d2 = (d10 - d11) * (1f / (r0 + r1));
        if (_plusPlus)
        {
            var expm1 = MathF.Exp(-h) - 1f;
            return sample * (sigmaT / sigmaS0) - d0 * (alphaT * expm1) + d1 * (alphaT * (expm1 / h + 1f))
                   - d2 * (alphaT * ((expm1 + h) / (h * h) - 0.5f));
        }
        var expm1Pos = MathF.Exp(h) - 1f;
        return sample * (alphaT / alphaS0) - d0 * (sigmaT * expm1Pos) - d1 * (sigmaT * (expm1Pos / h - 1f))
               - d2 * (sigmaT * ((expm1Pos - h) / (h * h) - 0.5f));
    }

    void ResetState()
    {
        for (var i = 0; i < _modelOutputs.Length; i++)
        {
            _modelOutputs[i]?.Dispose();
            _modelOutputs[i] = null;
        }
        _lowerOrderNums = 0;
        _nextStep = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ResetState();
            _sigmaTensor?.Dispose();
        }
        base.Dispose(disposing);
    }
}
