using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>The stack of <see cref="ViTLayer"/>s.</summary>
public sealed class ViTEncoder : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ViTLayer> layer;

    public ViTEncoder(ViTConfig config) : base(nameof(ViTEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ViTLayer(config)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        foreach (var l in layer) hidden = l.forward(hidden);
        return hidden.MoveToOuterDisposeScope();
    }
}
