using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>First MLP layer with the exact (erf) GELU, as DINO's nn.GELU.</summary>
public sealed class ViTIntermediate : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;

    public ViTIntermediate(ViTConfig config) : base(nameof(ViTIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return nn.functional.gelu(dense.forward(hidden)).MoveToOuterDisposeScope();
    }
}
