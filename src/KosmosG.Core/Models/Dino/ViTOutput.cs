using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>Second MLP layer plus the residual.</summary>
public sealed class ViTOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear dense;

    public ViTOutput(ViTConfig config) : base(nameof(ViTOutput))
    {
        dense = nn.Linear(config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return (dense.forward(hidden) + residual).MoveToOuterDisposeScope();
    }
}
