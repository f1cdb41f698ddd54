using KosmosG.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Training.Optimization;

/// <summary>Outcome of one optimizer update.</summary>
public readonly record struct UpdateResult(bool Applied, double GradNorm, double LossScale);

/// <summary>
/// AdamW over the trainable parameters with fp32 master weights. TorchSharp 0.107 has no autocast and no
/// GradScaler, so mixed precision is done the way fairseq's FP16Optimizer does it: the model (parameters and
/// compute) is bf16/fp16, each trainable parameter has an fp32 master copy that the optimizer updates and that is
/// copied back after every update; fp16 adds dynamic loss scaling. In fp32 the masters are the parameters, except
/// parameters stored with other strides (channels-last conv weights): their masters are contiguous copies, so the
/// optimizer's moments are contiguous and its state can be saved.
/// Gradients are clipped on the masters by their total L2 norm.
/// </summary>
public sealed class MixedPrecisionOptimizer : IDisposable
{
    readonly IReadOnlyList<NamedParameter> _model;
    readonly Parameter[] _masters;
    readonly bool[] _separate;
    readonly AdamW _adam;
    readonly OptimizerSettings _settings;

    public MixedPrecisionOptimizer(IReadOnlyList<NamedParameter> trainable, OptimizerSettings settings, DynamicLossScaler? scaler = null)
    {
        _model = trainable;
        _settings = settings;
        Scaler = scaler;
        _separate = trainable.Select(p => p.Parameter.dtype != ScalarType.Float32 || !p.Parameter.is_contiguous()).ToArray();
        using (no_grad())
        {
            _masters = trainable.Select((p, i) => _separate[i]
                ? new Parameter(p.Parameter.detach().to(ScalarType.Float32).contiguous().clone(), requires_grad: true)
                : p.Parameter).ToArray();
        }
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        for (var i = 0; i < trainable.Count; i++)
            (settings.NoDecayOnBiasAndNorm && TrainableParameters.IsBiasOrNorm(trainable[i].Name, trainable[i].Parameter) ? noDecay : decay).Add(_masters[i]);
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Count > 0) groups.Add(new AdamW.ParamGroup(decay, 0, settings.Beta1, settings.Beta2, settings.Eps, settings.WeightDecay, false, false));
        if (noDecay.Count > 0) groups.Add(new AdamW.ParamGroup(noDecay, 0, settings.Beta1, settings.Beta2, settings.Eps, 0, false, false));
        _adam = new AdamW(groups, 0, settings.Beta1, settings.Beta2, settings.Eps, settings.WeightDecay, false, false);
    }

    public DynamicLossScaler? Scaler { get; }
    public double LossScale => Scaler?.Scale ?? 1;

    /// <summary>The fp32 value of every trainable parameter, by state-dict name (what checkpoints store).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> MasterWeights =>
        _model.Select((p, i) => new KeyValuePair<string, Tensor>(p.Name, _masters[i]));

    /// <summary>Back-propagates one micro-batch loss (already divided for accumulation), scaled for fp16.</summary>
    public void Backward(Tensor loss)
    {
        using var scope = NewDisposeScope();
        (Scaler is null ? loss : loss * Scaler.Scale).backward();
    }

    /// <summary>Unscales, checks, clips and applies the accumulated gradients at <paramref name="learningRate"/>, then clears them.</summary>
    public UpdateResult Step(double learningRate)
    {
        using var scope = NewDisposeScope();
        var scale = LossScale;
        using (no_grad())
        {
            for (var i = 0; i < _masters.Length; i++)
            {
                var grad = _model[i].Parameter.grad;
                if (grad is null) continue;
                if (_separate[i]) _masters[i].grad = scale == 1 ? grad.to(ScalarType.Float32) : grad.to(ScalarType.Float32).div_(scale);
                else if (scale != 1) grad.div_(scale);
            }
        }
        var withGrad = _masters.Where(m => m.grad is not null).ToList();
        var norm = withGrad.Count == 0 ? 0 : nn.utils.clip_grad_norm_(withGrad, _settings.ClipNorm > 0 ? _settings.ClipNorm : double.MaxValue);
        var overflow = double.IsNaN(norm) || double.IsInfinity(norm);
        if (Scaler is not null) Scaler.Update(overflow);
        if (!overflow)
        {
            foreach (var group in _adam.ParamGroups) group.LearningRate = learningRate;
            _adam.step();
            using (no_grad())
            {
                for (var i = 0; i < _masters.Length; i++)
                    if (_separate[i]) _model[i].Parameter.copy_(_masters[i]);
            }
        }
        ZeroGrad();
        return new UpdateResult(!overflow, norm, scale);
    }

    /// <summary>
    /// Drops the gradients (fairseq's zero_grad sets them to None): a parameter that gets no gradient in an update
    /// (e.g. the vision tower in a text-only batch) is then skipped by AdamW in a fresh and a resumed run alike.
    /// </summary>
    public void ZeroGrad()
    {
        for (var i = 0; i < _masters.Length; i++)
        {
            _model[i].Parameter.grad = null;
            if (_separate[i]) _masters[i].grad = null;
        }
    }

    /// <summary>Restores the fp32 masters (and the model parameters from them) from a checkpoint's weights.</summary>
    public void LoadMasters(SafeTensorsFile weights)
    {
        using var _ = no_grad();
        for (var i = 0; i < _masters.Length; i++)
        {
            weights.CopyTo(_model[i].Name, _masters[i]);
            if (_separate[i]) _model[i].Parameter.copy_(_masters[i]);
        }
    }

    public void SaveState(string path) => _adam.save_state_dict(path);

    public void LoadState(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"optimizer state not found: {path}", path);
        _adam.load_state_dict(path);
    }

    public void Dispose()
    {
        _adam.Dispose();
        for (var i = 0; i < _masters.Length; i++)
            if (_separate[i]) _masters[i].Dispose();
    }
}
