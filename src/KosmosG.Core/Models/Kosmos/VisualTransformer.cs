using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// KOSMOS-G's <c>VisualTransformer4Seq2Seq</c>: patch conv (no bias) -> class token -> + positions -> ln_pre ->
/// blocks -> ln_post on EVERY token (no projection). Returns [N, L, W] batch-first (the official returns [L, N, W]).
/// </summary>
public sealed class VisualTransformer : Module<Tensor, Tensor>
{
    public readonly Conv2d conv1;
    public readonly Parameter class_embedding;
    public readonly Parameter positional_embedding;
    public readonly LayerNorm ln_pre;
    public readonly VisionTransformerBlocks transformer;
    public readonly LayerNorm ln_post;

    readonly int _imageSize;

    public VisualTransformer(VisionConfig config) : base(nameof(VisualTransformer))
    {
        _imageSize = config.ImageSize;
        var scale = Math.Pow(config.Width, -0.5);
        conv1 = Conv2d(3, config.Width, config.PatchSize, stride: config.PatchSize, bias: false);
        class_embedding = new Parameter(randn(config.Width) * scale);
        positional_embedding = new Parameter(randn(config.Tokens, config.Width) * scale);
        ln_pre = LayerNorm(config.Width, config.LayernormEps);
        transformer = new VisionTransformerBlocks(config);
        ln_post = LayerNorm(config.Width, config.LayernormEps);
        RegisterComponents();
    }

    /// <param name="pixels">[N, 3, S, S] normalised pixels, S = vision.image_size.</param>
    public override Tensor forward(Tensor pixels)
    {
        if (pixels.dim() != 4 || pixels.shape[1] != 3 || pixels.shape[2] != _imageSize || pixels.shape[3] != _imageSize)
            throw new ArgumentException(
                $"pixel values must be [N, 3, {_imageSize}, {_imageSize}] (vision.image_size); got [{string.Join(", ", pixels.shape)}]",
                nameof(pixels));
        var x = conv1.call(pixels);
        var (n, width) = (x.shape[0], x.shape[1]);
        x = x.reshape(n, width, -1).permute(0, 2, 1);
        var cls = class_embedding.to(x.dtype).expand(n, 1, width);
        x = cat([cls, x], 1) + positional_embedding.to(x.dtype);
        x = transformer.call(ln_pre.call(x));
        return ln_post.call(x);
    }
}
