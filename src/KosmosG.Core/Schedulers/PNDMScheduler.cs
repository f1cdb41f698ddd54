using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>
/// diffusers PNDMScheduler. With skip_prk_steps (Stable Diffusion) it is the PLMS sampler: num_inference_steps + 1
/// timesteps, the second one repeated, linear multistep over up to four earlier model outputs. Without it, the first
/// 12 steps are Runge-Kutta (PRK) half steps. Defaults of diffusers 0.21.4: leading spacing, skip_prk_steps false.
/// </summary>
public sealed class PNDMScheduler : DiffusionScheduler
{
    const int PndmOrder = 4;
    readonly string _predictionType;
    readonly string _spacing;
    readonly int _stepsOffset;
    readonly bool _skipPrkSteps;
    readonly float _finalAlphaCumprod;
    int _numInferenceSteps;
    long[] _prkTimesteps = [];
    long[] _timesteps = [];
    // Multistep state, reset by SetTimesteps: earlier model outputs, the PRK running sum, the held sample, step counter.
    readonly List<Tensor> _ets = [];
    Tensor? _curModelOutput;
    Tensor? _curSample;
    int _counter;

    public PNDMScheduler(SchedulerConfig config) : base(config)
    {
        _predictionType = ConfigOptions.OneOf(Name, "prediction_type", config.PredictionType ?? "epsilon", "epsilon", "v_prediction");
        _spacing = ConfigOptions.OneOf(Name, "timestep_spacing", config.TimestepSpacing ?? "leading", TimestepSpacing.Names);
        _stepsOffset = config.StepsOffset ?? 0;
        _skipPrkSteps = config.SkipPrkSteps ?? false;
        _finalAlphaCumprod = config.SetAlphaToOne ?? false ? 1f : Schedule.AlphasCumprodValues[0];
    }

    public override double InitNoiseSigma => 1.0;

    public override void SetTimesteps(int numInferenceSteps)
    {
        TimestepSpacing.CheckSteps(Name, numInferenceSteps, Schedule.NumTrainTimesteps);
        var ascending = TimestepSpacing.Descending(_spacing, Schedule.NumTrainTimesteps, numInferenceSteps, _stepsOffset, roundLinspace: true)
            .Select(t => (long)t).Reverse().ToArray();
        long[] prk, plms;
        if (_skipPrkSteps)
        {
            // PLMS (crowsonkb): all but the last, the second-to-last again, then the last; descending.
            prk = [];
            plms = [.. ascending[..^1], .. ascending[^Math.Min(2, ascending.Length)..^1], ascending[^1]];
            Array.Reverse(plms);
        }
        else
        {
            prk = PrkTimesteps(ascending, Schedule.NumTrainTimesteps / numInferenceSteps / 2);
            plms = ascending[..Math.Max(0, ascending.Length - 3)].Reverse().ToArray();
        }
        long[] timesteps = [.. prk, .. plms];
        CheckTimestepRange(timesteps);
        _numInferenceSteps = numInferenceSteps;
        _prkTimesteps = prk;
        _timesteps = timesteps;
        SetTimestepTensor(tensor(timesteps));
        ResetState();
    }

    /// <summary>numpy: (last4.repeat(2) + tile([0, half], 4))[:-1].repeat(2)[1:-1][::-1].</summary>
    static long[] PrkTimesteps(long[] ascending, long half)
    {
        var last = ascending[Math.Max(0, ascending.Length - PndmOrder)..];
        var pairs = last.SelectMany(t => new[] { t, t + half }).ToArray()[..^1];
        var doubled = pairs.SelectMany(t => new[] { t, t }).ToArray();
        return doubled.Length < 2 ? [] : doubled[1..^1].Reverse().ToArray();
    }

    public override Tensor ScaleModelInput(Tensor sample, int stepIndex)
    {
        CheckStepIndex(stepIndex);
        return sample.alias();
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, int stepIndex, Tensor sample, IReadOnlyList<Generator>? generators = null)
    {
        CheckStepIndex(stepIndex);
        CheckSameShape(modelOutput, sample);
        if (stepIndex != _counter)
            throw new InvalidOperationException($"{Name}: steps must run in order on one instance (expected step {_counter}, got {stepIndex})");
        using var scope = NewDisposeScope();
        var prev = _counter < _prkTimesteps.Length && !_skipPrkSteps
            ? StepPrk(modelOutput, _timesteps[stepIndex], sample)
            : StepPlms(modelOutput, _timesteps[stepIndex], sample);
        _counter++;
        return new SchedulerStepOutput(prev.MoveToOuterDisposeScope(), null);
    }

    Tensor StepPrk(Tensor modelOutput, long timestep, Tensor sample)
    {
        var diffToPrev = _counter % 2 == 1 ? 0 : Schedule.NumTrainTimesteps / _numInferenceSteps / 2;
        var prevTimestep = timestep - diffToPrev;
        timestep = _prkTimesteps[_counter / 4 * 4];
        var output = modelOutput;
        switch (_counter % 4)
        {
            case 0:
                AccumulateModelOutput(modelOutput, 1.0 / 6);
                _ets.Add(Keep(modelOutput));
                ReplaceCurSample(Keep(sample));
                break;
            case 1:
            case 2:
                AccumulateModelOutput(modelOutput, 1.0 / 3);
                break;
            default:
                output = _curModelOutput! + modelOutput * (1.0 / 6);
                _curModelOutput!.Dispose();
                _curModelOutput = null;
                break;
        }
        return PrevSample(_curSample ?? sample, timestep, prevTimestep, output);
    }

    void AccumulateModelOutput(Tensor modelOutput, double weight)
    {
        var term = modelOutput * weight;
        var sum = _curModelOutput is null ? term : _curModelOutput + term;
        _curModelOutput?.Dispose();
        _curModelOutput = sum.DetachFromDisposeScope();
    }

    Tensor StepPlms(Tensor modelOutput, long timestep, Tensor sample)
    {
        if (!_skipPrkSteps && _ets.Count < 3)
            throw new InvalidOperationException($"{Name}: PLMS steps need at least 3 PRK model outputs");
        var stride = Schedule.NumTrainTimesteps / _numInferenceSteps;
        var prevTimestep = timestep - stride;
        if (_counter != 1)
        {
            while (_ets.Count > 3)
            {
                _ets[0].Dispose();
                _ets.RemoveAt(0);
            }
            _ets.Add(Keep(modelOutput));
        }
        else
        {
            // The repeated timestep: step again from the held sample with the averaged output (a second-order start).
            prevTimestep = timestep;
            timestep += stride;
        }

        Tensor output;
        var e = _ets;
        if (e.Count == 1 && _counter == 0)
        {
            output = modelOutput;
            ReplaceCurSample(Keep(sample));
        }
        else if (e.Count == 1 && _counter == 1)
        {
            output = (modelOutput + e[^1]) / 2;
            sample = _curSample!;
        }
        else if (e.Count == 2) output = (e[^1] * 3 - e[^2]) / 2;
        else if (e.Count == 3) output = (e[^1] * 23 - e[^2] * 16 + e[^3] * 5) / 12;
        else output = (e[^1] * 55 - e[^2] * 59 + e[^3] * 37 - e[^4] * 9) * (1.0 / 24);

        var prev = PrevSample(sample, timestep, prevTimestep, output);
        if (e.Count == 1 && _counter == 1) ReplaceCurSample(null);
        return prev;
    }

    /// <summary>Formula (9) of the PNDM paper: x_{t-δ} from x_t and the (combined) noise estimate.</summary>
    Tensor PrevSample(Tensor sample, long timestep, long prevTimestep, Tensor modelOutput)
    {
        var ac = Schedule.AlphasCumprodValues;
        var alphaProdT = ac[timestep];
        var alphaProdTPrev = prevTimestep >= 0 ? ac[prevTimestep] : _finalAlphaCumprod;
        var betaProdT = 1f - alphaProdT;
        var betaProdTPrev = 1f - alphaProdTPrev;
        if (_predictionType == "v_prediction")
            modelOutput = modelOutput * MathF.Sqrt(alphaProdT) + sample * MathF.Sqrt(betaProdT);
        var sampleCoeff = MathF.Sqrt(alphaProdTPrev / alphaProdT);
        var denominator = alphaProdT * MathF.Sqrt(betaProdTPrev) + MathF.Sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        return sample * sampleCoeff - modelOutput * (alphaProdTPrev - alphaProdT) / denominator;
    }

    void ReplaceCurSample(Tensor? sample)
    {
        _curSample?.Dispose();
        _curSample = sample;
    }

    void ResetState()
    {
        foreach (var t in _ets) t.Dispose();
        _ets.Clear();
        _curModelOutput?.Dispose();
        _curModelOutput = null;
        ReplaceCurSample(null);
        _counter = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) ResetState();
        base.Dispose(disposing);
    }
}
