using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// open_clip pre-LN vision block as KOSMOS-G runs it: attention through the torchscale <c>ts_attn</c> copy (the
/// original <c>attn</c> module is unused and absent from the checkpoint, so it is not built).
/// </summary>
public sealed class ResidualAttentionBlock : Module<Tensor, Tensor>
{
    public readonly LayerNorm ln_1;
    public readonly MultiheadAttention ts_attn;
    public readonly LayerNorm ln_2;
    public readonly ClipMlp mlp;

    public ResidualAttentionBlock(VisionConfig config) : base(nameof(ResidualAttentionBlock))
    {
        ln_1 = LayerNorm(config.Width, config.LayernormEps);
        ts_attn = new MultiheadAttention(config.Width, config.Heads, subLn: false, config.LayernormEps);
        ln_2 = LayerNorm(config.Width, config.LayernormEps);
        mlp = new ClipMlp(config.Width, config.MlpWidth);
        RegisterComponents();
    }

    /// <remarks>The block's temporaries are freed when it returns (not at the end of the whole tower), so the next block
    /// reuses their memory while it is still mapped and in cache.</remarks>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = ln_1.call(x);
        x = x + ts_attn.call(h, h, null, false);
        return (x + mlp.call(ln_2.call(x))).MoveToOuterDisposeScope();
    }
}
