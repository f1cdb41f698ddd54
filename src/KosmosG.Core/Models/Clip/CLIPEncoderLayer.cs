using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>Pre-norm transformer block: x + attn(ln1(x)), then + mlp(ln2(.)).</summary>
public sealed class CLIPEncoderLayer : nn.Module<Tensor, Tensor>
{
    readonly CLIPAttention self_attn;
    readonly LayerNorm layer_norm1;
    readonly CLIPMLP mlp;
    readonly LayerNorm layer_norm2;

    public CLIPEncoderLayer(CLIPEncoderConfig config, bool causal) : base(nameof(CLIPEncoderLayer))
    {
        self_attn = new CLIPAttention(config, causal);
        layer_norm1 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        mlp = new CLIPMLP(config);
        layer_norm2 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var h = hidden + self_attn.forward(layer_norm1.forward(hidden));
        return (h + mlp.forward(layer_norm2.forward(h))).MoveToOuterDisposeScope();
    }
}
