using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Stride-2 3x3 convolution. With padding 0 (the VAE encoder) diffusers pads only right and bottom by one,
/// which keeps the output at exactly half of an even input.
/// </summary>
public sealed class Downsample2D : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    readonly bool _padRightBottom;

    public Downsample2D(int channels, int outChannels, int padding) : base(nameof(Downsample2D))
    {
        conv = nn.Conv2d(channels, outChannels, 3, stride: 2, padding: padding);
        _padRightBottom = padding == 0;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (!_padRightBottom) return CpuConv.Call(conv, input);
        using var padded = nn.functional.pad(input, (0, 1, 0, 1));
        return CpuConv.Call(conv, padded);
    }
}
