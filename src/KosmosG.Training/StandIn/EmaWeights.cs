using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Training.StandIn;

/// <summary>
/// Exponential moving average of parameters (fp32 shadows): ema = decay * ema + (1 - decay) * param after each
/// update. Small diffusion models sample far better from the average than from the last, noisy, weights.
/// </summary>
public sealed class EmaWeights : IDisposable
{
    readonly IReadOnlyList<Parameter> _parameters;
    readonly Tensor[] _shadows;

    public EmaWeights(IReadOnlyList<Parameter> parameters, double decay)
    {
        if (decay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must be in [0, 1)");
        _parameters = parameters;
        Decay = decay;
        using var _ = no_grad();
        _shadows = [.. parameters.Select(p => p.detach().to(ScalarType.Float32).clone())];
    }

    public double Decay { get; }

    /// <summary>The fp32 averages, in the parameters' order (a checkpoint saves and restores them in place).</summary>
    public IReadOnlyList<Tensor> Shadows => _shadows;

    public void Update()
    {
        using var _ = no_grad();
        for (var i = 0; i < _shadows.Length; i++)
            _shadows[i].mul_(Decay).add_(_parameters[i].detach().to(ScalarType.Float32), alpha: 1 - Decay);
    }

    /// <summary>Overwrites the parameters with the averages (at the end of training, before saving).</summary>
    public void CopyToParameters()
    {
        using var _ = no_grad();
        for (var i = 0; i < _shadows.Length; i++) _parameters[i].copy_(_shadows[i]);
    }

    public void Dispose()
    {
        foreach (var s in _shadows) s.Dispose();
    }
}
