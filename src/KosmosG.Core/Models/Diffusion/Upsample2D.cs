using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Nearest-neighbour upsampling then a 3x3 convolution. Normally x2; the U-Net passes the skip connection's
/// exact size when the latent size is not divisible by its total down-sampling factor.
/// </summary>
public sealed class Upsample2D : nn.Module<Tensor, long[]?, Tensor>
{
    readonly Conv2d conv;

    public Upsample2D(int channels, int outChannels) : base(nameof(Upsample2D))
    {
        conv = nn.Conv2d(channels, outChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <param name="outputSize">[H, W] to resize to, or null for x2.</param>
    public override Tensor forward(Tensor input, long[]? outputSize)
    {
        using var up = outputSize is null
            ? nn.functional.interpolate(input, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest)
            : nn.functional.interpolate(input, size: outputSize, mode: InterpolationMode.Nearest);
        return CpuConv.Call(conv, up);
    }
}
