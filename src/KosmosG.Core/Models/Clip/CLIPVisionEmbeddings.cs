using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>Patch embedding (a bias-free convolution, stride = patch), a learned class token in front, plus learned positions.</summary>
public sealed class CLIPVisionEmbeddings : nn.Module<Tensor, Tensor>
{
    readonly Parameter class_embedding;
    readonly Conv2d patch_embedding;
    readonly Embedding position_embedding;

    public CLIPVisionEmbeddings(CLIPVisionConfig config) : base(nameof(CLIPVisionEmbeddings))
    {
        class_embedding = nn.Parameter(zeros(config.HiddenSize));
        patch_embedding = nn.Conv2d(config.NumChannels, config.HiddenSize, config.PatchSize, stride: config.PatchSize, bias: false);
        position_embedding = nn.Embedding(config.GridSize * config.GridSize + 1, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="pixelValues">[B, 3, image_size, image_size]</param>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var patches = patch_embedding.forward(pixelValues).flatten(2).transpose(1, 2); // row-major grid
        var cls = class_embedding.expand(pixelValues.shape[0], 1, -1);
        return (cat([cls, patches], 1) + position_embedding.weight!).MoveToOuterDisposeScope();
    }
}
