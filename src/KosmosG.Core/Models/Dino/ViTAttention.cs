using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>Self-attention followed by its output projection (transformers' two-level naming: attention.attention.*, attention.output.*).</summary>
public sealed class ViTAttention : nn.Module<Tensor, Tensor>
{
    readonly ViTSelfAttention attention;
    readonly ViTSelfOutput output;

    public ViTAttention(ViTConfig config) : base(nameof(ViTAttention))
    {
        attention = new ViTSelfAttention(config);
        output = new ViTSelfOutput(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return output.forward(attention.forward(hidden)).MoveToOuterDisposeScope();
    }
}
