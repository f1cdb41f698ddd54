using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>The stack of encoder layers.</summary>
public sealed class CLIPEncoder : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<CLIPEncoderLayer> layers;

    public CLIPEncoder(CLIPEncoderConfig config, bool causal) : base(nameof(CLIPEncoder))
    {
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new CLIPEncoderLayer(config, causal)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        foreach (var layer in layers) hidden = layer.forward(hidden);
        return hidden.MoveToOuterDisposeScope();
    }
}
