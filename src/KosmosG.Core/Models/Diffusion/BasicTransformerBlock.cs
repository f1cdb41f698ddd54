using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Pre-LayerNorm transformer block: self-attention, cross-attention over the encoder states, GEGLU
/// feed-forward, each added to the residual stream. q/k/v projections have no bias, as in SD.
/// </summary>
public sealed class BasicTransformerBlock : nn.Module<Tensor, Tensor, Tensor>
{
    readonly LayerNorm norm1;
    readonly Attention attn1;
    readonly LayerNorm norm2;
    readonly Attention attn2;
    readonly LayerNorm norm3;
    readonly FeedForward ff;

    public BasicTransformerBlock(int dim, int heads, int headDim, int crossAttentionDim) : base(nameof(BasicTransformerBlock))
    {
        norm1 = nn.LayerNorm(dim);
        attn1 = new Attention(dim, null, heads, headDim, bias: false);
        norm2 = nn.LayerNorm(dim);
        attn2 = new Attention(dim, crossAttentionDim, heads, headDim, bias: false);
        norm3 = nn.LayerNorm(dim);
        ff = new FeedForward(dim);
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, N, dim]; not modified.</param>
    /// <param name="encoderHiddenStates">[B, M, crossAttentionDim].</param>
    public override Tensor forward(Tensor hiddenStates, Tensor encoderHiddenStates)
    {
        Tensor h;
        using (var n = norm1.call(hiddenStates)) h = Residual.Add(attn1.call(n, null), hiddenStates);
        using (var n = norm2.call(h))
        using (var a = attn2.call(n, encoderHiddenStates)) h = Residual.Add(h, a);
        using (var n = norm3.call(h))
        using (var f = ff.call(n)) h = Residual.Add(h, f);
        return h;
    }
}
