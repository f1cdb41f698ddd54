using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// torchscale / fairseq multi-head attention with separate q/k/v/out projections (all with bias), used by the
/// vision blocks (<c>ts_attn</c>), the connector (<c>x_attn</c>), the MLLM and the AlignerNet. The official code
/// scales q by 1/sqrt(head_dim) before q·kᵀ and takes a float32 softmax; SDPA computes the same thing.
/// With sub-LN (self-attention of sub-LN models) a LayerNorm <c>inner_attn_ln</c> sits before <c>out_proj</c>.
/// Tensors are batch-first [B, T, D].
/// </summary>
public sealed class MultiheadAttention : Module<Tensor, Tensor, Tensor?, bool, Tensor>
{
    public readonly Linear q_proj;
    public readonly Linear k_proj;
    public readonly Linear v_proj;
    public readonly Linear out_proj;
    public readonly LayerNorm? inner_attn_ln;

    readonly int _heads;

    public MultiheadAttention(int embedDim, int heads, bool subLn, double eps) : base(nameof(MultiheadAttention))
    {
        _heads = heads;
        q_proj = Linear(embedDim, embedDim);
        k_proj = Linear(embedDim, embedDim);
        v_proj = Linear(embedDim, embedDim);
        out_proj = Linear(embedDim, embedDim);
        inner_attn_ln = subLn ? LayerNorm(embedDim, eps) : null;
        RegisterComponents();
    }

    /// <param name="query">[B, Tq, D]</param>
    /// <param name="keyValue">[B, Tk, D]: keys and values come from the same sequence in every KOSMOS-G use.</param>
    /// <param name="keyKeep">Optional bool [B, 1, 1, Tk], true where a key may be attended (padding mask inverted).</param>
    /// <param name="causal">Upper-triangular mask (the MLLM); exclusive with <paramref name="keyKeep"/>.</param>
    public override Tensor forward(Tensor query, Tensor keyValue, Tensor? keyKeep, bool causal)
    {
        var (b, tq, d) = (query.shape[0], query.shape[1], query.shape[2]);
        var tk = keyValue.shape[1];
        var headDim = d / _heads;
        var q = q_proj.call(query).view(b, tq, _heads, headDim).transpose(1, 2);
        var k = k_proj.call(keyValue).view(b, tk, _heads, headDim).transpose(1, 2);
        var v = v_proj.call(keyValue).view(b, tk, _heads, headDim).transpose(1, 2);
        var attn = functional.scaled_dot_product_attention(q, k, v, keyKeep, 0, causal);
        attn = attn.transpose(1, 2).reshape(b, tq, d);
        if (inner_attn_ln is not null) attn = inner_attn_ln.call(attn);
        return out_proj.call(attn);
    }
}
