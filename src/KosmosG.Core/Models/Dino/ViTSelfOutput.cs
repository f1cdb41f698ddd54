using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>The attention's output projection (the residual is added by <see cref="ViTLayer"/>).</summary>
public sealed class ViTSelfOutput : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;

    public ViTSelfOutput(ViTConfig config) : base(nameof(ViTSelfOutput))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden) => dense.forward(hidden);
}
