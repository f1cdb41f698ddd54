using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>[CLS] + patch embeddings + learned positions (used as stored: the metric always runs at the 224 grid).</summary>
public sealed class ViTEmbeddings : nn.Module<Tensor, Tensor>
{
    readonly Parameter cls_token;
    readonly Parameter position_embeddings;
    readonly ViTPatchEmbeddings patch_embeddings;
    readonly int _imageSize;

    public ViTEmbeddings(ViTConfig config) : base(nameof(ViTEmbeddings))
    {
        _imageSize = config.ImageSize;
        cls_token = nn.Parameter(zeros(1, 1, config.HiddenSize));
        position_embeddings = nn.Parameter(zeros(1, config.GridSize * config.GridSize + 1, config.HiddenSize));
        patch_embeddings = new ViTPatchEmbeddings(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixelValues)
    {
        if (pixelValues.dim() != 4 || pixelValues.shape[2] != _imageSize || pixelValues.shape[3] != _imageSize)
            throw new ArgumentException($"pixel values must be [B, 3, {_imageSize}, {_imageSize}], got [{string.Join(",", pixelValues.shape)}]");
        using var scope = NewDisposeScope();
        var patches = patch_embeddings.forward(pixelValues);
        var cls = cls_token.expand(pixelValues.shape[0], -1, -1);
        return (cat([cls, patches], 1) + position_embeddings).MoveToOuterDisposeScope();
    }
}
