using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// One pre-LN + sub-LN (Magneto) torchscale layer, shared by the MLLM (causal DecoderLayer without
/// cross-attention), the AlignerNet Encoder layers (self-attention with key padding mask) and the AlignerNet
/// Decoder layers (non-causal self-attention, then cross-attention with no inner LN). Residual scale is 1.
/// </summary>
public sealed class SubLnTransformerLayer : Module<Tensor, Tensor?, bool, Tensor?, Tensor?, Tensor>
{
    public readonly MultiheadAttention self_attn;
    public readonly LayerNorm self_attn_layer_norm;
    public readonly MultiheadAttention? encoder_attn;
    public readonly LayerNorm? encoder_attn_layer_norm;
    public readonly FeedForwardNetwork ffn;
    public readonly LayerNorm final_layer_norm;

    public SubLnTransformerLayer(int embedDim, int heads, int ffnDim, double eps, bool crossAttention)
        : base(nameof(SubLnTransformerLayer))
    {
        self_attn = new MultiheadAttention(embedDim, heads, subLn: true, eps);
        self_attn_layer_norm = LayerNorm(embedDim, eps);
        if (crossAttention)
        {
            encoder_attn = new MultiheadAttention(embedDim, heads, subLn: false, eps);
            encoder_attn_layer_norm = LayerNorm(embedDim, eps);
        }
        ffn = new FeedForwardNetwork(embedDim, ffnDim, eps);
        final_layer_norm = LayerNorm(embedDim, eps);
        RegisterComponents();
    }

    /// <param name="x">[B, T, D]</param>
    /// <param name="selfKeyKeep">bool [B, 1, 1, T] or null.</param>
    /// <param name="causal">causal self-attention (MLLM).</param>
    /// <param name="encoderOut">[B, S, D] attended by cross-attention (layers built with it only).</param>
    /// <param name="encoderKeyKeep">bool [B, 1, 1, S] or null.</param>
    /// <remarks>The layer's temporaries are freed when it returns, as in <see cref="ResidualAttentionBlock"/>.</remarks>
    public override Tensor forward(Tensor x, Tensor? selfKeyKeep, bool causal, Tensor? encoderOut, Tensor? encoderKeyKeep)
    {
        using var scope = NewDisposeScope();
        var h = self_attn_layer_norm.call(x);
        x = x + self_attn.call(h, h, selfKeyKeep, causal);
        if (encoder_attn is not null)
        {
            if (encoderOut is null) throw new ArgumentNullException(nameof(encoderOut), "this layer cross-attends and needs the encoder output");
            x = x + encoder_attn.call(encoder_attn_layer_norm!.call(x), encoderOut, encoderKeyKeep, false);
        }
        return (x + ffn.call(final_layer_norm.call(x))).MoveToOuterDisposeScope();
    }
}
