using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// diffusers Attention with its scaled-dot-product processor (long bf16/fp16 self-attention as blocked matrix
/// products, <see cref="BlockedAttention"/>): multi-head attention of the query sequence over
/// itself or over encoder states (cross-attention), scale 1/sqrt(head size). 4-D [B, C, H, W] input is treated
/// as an H*W sequence and returned in the same shape; the VAE variant adds a GroupNorm in front and the
/// residual connection.
/// </summary>
public sealed class Attention : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly GroupNorm? group_norm;
    readonly Linear to_q;
    readonly Linear to_k;
    readonly Linear to_v;
    readonly ModuleList<Linear> to_out;
    readonly int _heads;
    readonly int _innerDim;
    readonly bool _residualConnection;
    readonly double _rescaleOutputFactor;

    /// <param name="crossAttentionDim">Width of the encoder states attended to, or null for self-attention.</param>
    /// <param name="bias">Whether to_q/to_k/to_v have biases (to_out always has one).</param>
    /// <param name="normNumGroups">Adds a GroupNorm over the query channels first (VAE mid-block attention).</param>
    public Attention(int queryDim, int? crossAttentionDim, int heads, int dimHead, bool bias,
        int? normNumGroups = null, double eps = 1e-5, bool residualConnection = false, double rescaleOutputFactor = 1)
        : base(nameof(Attention))
    {
        var inner = heads * dimHead;
        if (normNumGroups is { } groups) group_norm = GroupNorms.Create(groups, queryDim, eps);
        to_q = nn.Linear(queryDim, inner, bias);
        to_k = nn.Linear(crossAttentionDim ?? queryDim, inner, bias);
        to_v = nn.Linear(crossAttentionDim ?? queryDim, inner, bias);
        to_out = nn.ModuleList(nn.Linear(inner, queryDim));
        _heads = heads;
        _innerDim = inner;
        _residualConnection = residualConnection;
        _rescaleOutputFactor = rescaleOutputFactor;
        RegisterComponents();
    }

    /// <summary>Width of the attention products (heads x head size).</summary>
    public int InnerDim => _innerDim;

    /// <summary>Sequence length of an attention input: N of [B, N, C], H*W of [B, C, H, W].</summary>
    public static long Tokens(Tensor states) => states.dim() == 4 ? states.shape[2] * states.shape[3] : states.shape[1];

    /// <param name="hiddenStates">[B, N, queryDim] or [B, queryDim, H, W].</param>
    /// <param name="encoderHiddenStates">[B, M, crossAttentionDim] for cross-attention, null for self-attention.</param>
    public override Tensor forward(Tensor hiddenStates, Tensor? encoderHiddenStates)
    {
        using var scope = NewDisposeScope();
        var spatial = hiddenStates.dim() == 4 ? hiddenStates.shape : null;
        var x = hiddenStates;
        if (group_norm is not null)
            x = spatial is null ? group_norm.call(x.transpose(1, 2)).transpose(1, 2) : group_norm.call(x);
        if (spatial is not null) x = x.flatten(2).transpose(1, 2);

        var batch = x.shape[0];
        var context = encoderHiddenStates ?? x;
        Tensor Heads(Tensor t) => t.view(batch, -1, _heads, t.shape[^1] / _heads).transpose(1, 2);
        var (q, k, v) = (Heads(to_q.call(x)), Heads(to_k.call(context)), Heads(to_v.call(context)));
        var attended = BlockedAttention.Applies(q, k) ? BlockedAttention.Compute(q, k, v) : nn.functional.scaled_dot_product_attention(q, k, v);
        var output = to_out[0].call(attended.transpose(1, 2).flatten(2));

        if (spatial is not null) output = output.transpose(1, 2).reshape(spatial);
        if (_residualConnection) output = Residual.Add(output, hiddenStates);
        if (_rescaleOutputFactor != 1) output = Residual.Div(output, _rescaleOutputFactor);
        return output.MoveToOuterDisposeScope();
    }
}
