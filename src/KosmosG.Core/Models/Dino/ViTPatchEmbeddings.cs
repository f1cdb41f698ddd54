using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>Non-overlapping patches through one convolution (kernel = stride = patch), flattened row-major.</summary>
public sealed class ViTPatchEmbeddings : nn.Module<Tensor, Tensor>
{
    readonly Conv2d projection;

    public ViTPatchEmbeddings(ViTConfig config) : base(nameof(ViTPatchEmbeddings))
    {
        projection = nn.Conv2d(config.NumChannels, config.HiddenSize, config.PatchSize, stride: config.PatchSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return projection.forward(pixelValues).flatten(2).transpose(1, 2).MoveToOuterDisposeScope();
    }
}
