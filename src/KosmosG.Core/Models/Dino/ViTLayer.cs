using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>Pre-norm block: x + attention(layernorm_before(x)), then + mlp(layernorm_after(.)).</summary>
public sealed class ViTLayer : nn.Module<Tensor, Tensor>
{
    readonly ViTAttention attention;
    readonly ViTIntermediate intermediate;
    readonly ViTOutput output;
    readonly LayerNorm layernorm_before;
    readonly LayerNorm layernorm_after;

    public ViTLayer(ViTConfig config) : base(nameof(ViTLayer))
    {
        attention = new ViTAttention(config);
        intermediate = new ViTIntermediate(config);
        output = new ViTOutput(config);
        layernorm_before = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        layernorm_after = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var h = attention.forward(layernorm_before.forward(hidden)) + hidden;
        return output.forward(intermediate.forward(layernorm_after.forward(h)), h).MoveToOuterDisposeScope();
    }
}
