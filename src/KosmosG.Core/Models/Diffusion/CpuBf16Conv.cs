using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Works around a libtorch 2.10 CPU bug: bf16 conv2d on NCHW input with a kernel larger than 1x1 and an output
/// channel count that is not a multiple of 16 returns wrong values (5-65% relative error, measured; e.g. SD's
/// U-Net conv_out 320->4 and VAE conv_out 128->3). The channels-last path is correct, so such convolutions run on
/// a channels-last copy of the input and the (small) output is returned in NCHW. Everything else calls the
/// convolution directly.
/// </summary>
internal static class CpuBf16Conv
{
    public static Tensor Call(Conv2d conv, Tensor input)
    {
        if (input.dtype != ScalarType.BFloat16 || input.device_type != DeviceType.CPU || conv.out_channels % 16 == 0
            || conv.kernel_size.All(k => k == 1))
            return conv.call(input);
        using var nhwc = input.permute(0, 2, 3, 1).contiguous();
        using var channelsLast = nhwc.permute(0, 3, 1, 2);
        using var output = conv.call(channelsLast);
        return output.contiguous();
    }
}
