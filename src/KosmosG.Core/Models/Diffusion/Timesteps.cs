using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Sinusoidal timestep embedding (diffusers get_timestep_embedding), always computed in float32 from the
/// possibly fractional timesteps: freq_k = exp(-ln(10000) * k / (half - shift)), output [cos | sin] when
/// flipped, else [sin | cos]. Has no weights.
/// </summary>
public sealed class Timesteps : nn.Module<Tensor, Tensor>
{
    const double MaxPeriod = 10000;

    readonly int _channels;
    readonly bool _flipSinToCos;
    readonly double _downscaleFreqShift;

    public Timesteps(int numChannels, bool flipSinToCos, double downscaleFreqShift) : base(nameof(Timesteps))
    {
        _channels = numChannels;
        _flipSinToCos = flipSinToCos;
        _downscaleFreqShift = downscaleFreqShift;
    }

    /// <param name="timesteps">[B] timesteps of any real or integer dtype.</param>
    /// <returns>[B, numChannels] float32.</returns>
    public override Tensor forward(Tensor timesteps)
    {
        var half = _channels / 2;
        using var scope = NewDisposeScope();
        var exponent = arange(half, ScalarType.Float32, timesteps.device) * -Math.Log(MaxPeriod) / (half - _downscaleFreqShift);
        var args = timesteps.to(ScalarType.Float32).unsqueeze(1) * exponent.exp().unsqueeze(0);
        var (sin, cos) = (args.sin(), args.cos());
        var emb = _flipSinToCos ? cat([cos, sin], 1) : cat([sin, cos], 1);
        if (_channels % 2 == 1) emb = nn.functional.pad(emb, (0, 1));
        return emb.MoveToOuterDisposeScope();
    }
}
