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
        var attn = IsShortReducedPrecision(q, tq, tk) ? Unfused(q, k, v, keyKeep, causal) : functional.scaled_dot_product_attention(q, k, v, keyKeep, 0, causal);
        attn = attn.transpose(1, 2).reshape(b, tq, d);
        if (inner_attn_ln is not null) attn = inner_attn_ln.call(attn);
        return out_proj.call(attn);
    }

    const long ShortScores = 512 * 512;

    /// <summary>
    /// bf16/fp16 attention over at most 512x512 positions: there the fused CPU kernel took about twice the CPU time of
    /// the two matrix products (AVX-512 BF16, no AMX: vision tower 2x257 tokens x 16 heads 10.3 -> 4.8 ms, MLLM 134
    /// tokens x 32 heads causal 3.9 -> 2.2 ms); in float32 the fused kernel was as fast or faster, and longer sequences
    /// would materialise large score matrices.
    /// </summary>
    static bool IsShortReducedPrecision(Tensor q, long tq, long tk) =>
        q.dtype is ScalarType.BFloat16 or ScalarType.Float16 && tq * tk <= ShortScores;

    /// <summary>The official formula: q scaled by 1/sqrt(head size), q·kᵀ, masked positions -inf, float32 softmax, ·v.</summary>
    static Tensor Unfused(Tensor q, Tensor k, Tensor v, Tensor? keyKeep, bool causal)
    {
        using var scope = NewDisposeScope();
        var scores = matmul(q.mul(1 / Math.Sqrt(q.shape[^1])), k.transpose(-1, -2));
        if (keyKeep is not null) scores = scores.masked_fill(keyKeep.logical_not(), double.NegativeInfinity);
        if (causal) // top-left aligned, as scaled_dot_product_attention's is_causal
            scores = scores.masked_fill(ones(scores.shape[^2], scores.shape[^1], ScalarType.Bool, scores.device).triu(1), double.NegativeInfinity);
        return matmul(scores.softmax(-1, ScalarType.Float32).to(v.dtype), v).MoveToOuterDisposeScope();
    }
}
