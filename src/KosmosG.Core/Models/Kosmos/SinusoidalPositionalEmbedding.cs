using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// fairseq SinusoidalPositionalEmbedding (tensor2tensor variant): for position p the vector is
/// [sin(p·f_0..f_{h-1}), cos(p·f_0..f_{h-1})] with f_j = exp(-j·ln(10000)/(h-1)), h = D/2 (sines first, not
/// interleaved; a zero column is appended when D is odd). Positions come from fairseq make_positions: non-pad
/// tokens count from padding_idx+1, pad tokens get a zero vector. Computed in float32 like fairseq, from the
/// positions directly rather than a table, so there is no length limit and no state (the checkpoint's
/// <c>_float_tensor</c> buffer is only fairseq's dtype/device tracker).
/// </summary>
public sealed class SinusoidalPositionalEmbedding : Module<Tensor, Tensor>
{
    readonly int _dim;
    readonly long _paddingIdx;

    public SinusoidalPositionalEmbedding(int embeddingDim, int paddingIdx) : base(nameof(SinusoidalPositionalEmbedding))
    {
        _dim = embeddingDim;
        _paddingIdx = paddingIdx;
        RegisterComponents();
    }

    /// <param name="tokens">[B, T] int64 token ids.</param>
    /// <returns>[B, T, D] float32.</returns>
    public override Tensor forward(Tensor tokens)
    {
        var notPad = tokens.ne(_paddingIdx);
        var positions = notPad.to(ScalarType.Int64).cumsum(1) * notPad + _paddingIdx;
        var half = _dim / 2;
        var step = Math.Log(10000) / (half - 1);
        var freqs = exp(arange(half, ScalarType.Float32, tokens.device) * -step);
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * freqs;
        var parts = new List<Tensor> { sin(angles), cos(angles) };
        if (_dim % 2 == 1) parts.Add(zeros(tokens.shape[0], tokens.shape[1], 1, ScalarType.Float32, tokens.device));
        return cat(parts, -1) * notPad.unsqueeze(-1);
    }
}
