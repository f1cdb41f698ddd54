using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Stores the spatial (kxk, k &gt; 1) convolution weights of a model in channels-last memory (same shape, NHWC
/// strides), matching the channels-last activations the U-Net and VAE run on. With an NCHW weight, oneDNN converts the
/// weight on every call: measured on AVX-512 BF16 (no AMX), bf16 1280-channel 3x3 convs at 4x4-16x16 took 2.3-6x
/// longer that way. The parameters keep their names and shapes (checkpoints load by copy_, which honours strides).
/// </summary>
internal static class ConvWeightLayout
{
    public static void ChannelsLast(nn.Module root)
    {
        using var _ = no_grad();
        foreach (var conv in root.modules().Prepend(root).OfType<Conv2d>())
        {
            var weight = conv.weight!;
            if (conv.kernel_size.All(k => k == 1) || IsChannelsLast(weight)) continue;
            using var nhwc = weight.permute(0, 2, 3, 1).contiguous();
            using var channelsLast = nhwc.permute(0, 3, 1, 2);
            weight.set_(channelsLast);
        }
    }

    /// <summary>NHWC strides on a 4-D [O, I, kh, kw] or activation [B, C, H, W] tensor.</summary>
    public static bool IsChannelsLast(Tensor t) => t.dim() == 4 && t.stride(1) == 1 && t.stride(3) == t.shape[1];
}
