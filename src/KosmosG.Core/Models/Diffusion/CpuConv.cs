using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Works around libtorch 2.10 CPU convolution problems measured on this machine kind; everything else calls the
/// convolution directly. Whichever path a call takes, the module's forward hooks (a LoRA's, a profiler's) run around it.
/// <list type="bullet">
/// <item>bf16 conv2d on NCHW input with a kernel larger than 1x1 and an output channel count that is not a multiple of
/// 16 returns wrong values (5-65% relative error; e.g. SD's U-Net conv_out 320->4 and VAE conv_out 128->3). The
/// channels-last path is correct, so such convolutions run on a channels-last copy and return NCHW.</item>
/// <item>float32 oneDNN convolutions with large weights (SD's 1280-channel 3x3 convs, 59 MB and up) pay ~250 ms per
/// call whatever the spatial size (5 GFLOP/s at 4x4), most of an SD step's time in fp32. Those run as im2col +
/// matrix product instead (14 ms at 4x4, 130 ms at 16x16; same values to 1e-5). Re-measured by CPU time on an AMD
/// EPYC (AVX-512 BF16, no AMX), 1280 channels, batch 2: im2col 28/71/213 ms at 4x4/8x8/16x16 against oneDNN's
/// 238/256/324 ms, while at 640 channels and below oneDNN wins (25 vs 52 ms at 16x16), as the threshold says.</item>
/// <item>bf16 takes the same im2col path for the same weights: oneDNN copies the weight into its blocked layout on every
/// call, and for SD's 2560/1920->1280 convs that copy (44-59 MB) is above glibc's largest mmap threshold, so each call
/// also got fresh pages from the kernel (83,000 page faults, ~0.8 s of kernel time per U-Net step at 32x32). CPU time
/// on an AMD EPYC (AVX-512 BF16), batch 2: 2560->1280 at 8x8 28-38 ms against 250 ms; 1280->1280 at 4x4/8x8/16x16
/// 4-7/12-14/43-51 ms against 11-123/15-25/53-56 ms (oneDNN's lower figures only when the copy reused heap memory);
/// 640 channels at 32x32 even, 320 at 64x64 3.5x slower, so smaller weights stay on oneDNN.</item>
/// <item>float32 1x1 convolutions on channels-last input return wrong values at some shapes (libtorch 2.10 CPU, AMD EPYC
/// with AVX-512: max error ~1 on outputs of magnitude ~2.5). First seen at few positions (batch 2 at 1x1 to 7x7 with
/// 320-1280 channels: SD's 2560->1280 shortcuts at a 32x32 latent's 4x4 level, a ControlNet's zero convolutions there),
/// then at the real-size U-Net's 640->1280 shortcut at a 64x64 latent's 16x16 level (1.4 of 3.1), which made a whole
/// fp32 512x512 step 1% off; outside SD, 1x1 convolutions of 512 positions 320->5120 and 4096 positions 320->2560 too,
/// with no rule in the shapes. NCHW input and bf16 were right at every shape tried. So every float32 1x1 convolution on
/// channels-last input runs as a matrix product (PointwiseConv, MKL's sgemm; ~4% of an fp32 step's work).</item>
/// <item>bf16 1x1 convolutions with 1 M weight elements and more (SD's 1280-channel proj_in/proj_out and the up path's
/// shortcuts) ran 1.5-3.6x slower on oneDNN than as one matrix product of the channels-last view (CPU time, batch 2:
/// 1280->1280 at 16x16/8x8/4x4 8.5/1.9/1.5 against 4.7/1.2/0.6 ms, 2560->1280 at 4x4 2.9 against 0.8 ms).</item>
/// </list>
/// </summary>
internal static class CpuConv
{
    const long LargeWeightElements = 8L << 20; // 1280x640x3x3 (7.4 M) and smaller stay on oneDNN

    public static Tensor Call(Conv2d conv, Tensor input) =>
        input.device_type != DeviceType.CPU ? conv.call(input) : ForwardHooks.Call(conv, input, x => Forward(conv, x));

    /// <summary>The convolution without its hooks (<see cref="Call"/> runs them around whichever path this takes).</summary>
    static Tensor Forward(Conv2d conv, Tensor input)
    {
        if (conv.kernel_size.All(k => k == 1))
            return IsMatrixProduct(conv, input) && PrefersMatrixProduct(conv, input) ? PointwiseConv.Apply(input, conv.weight!, conv.bias) : conv.forward(input);
        if (input.dtype == ScalarType.BFloat16 && conv.out_channels % 16 != 0) return ChannelsLast(conv, input);
        if ((input.dtype is ScalarType.Float32 or ScalarType.BFloat16) && conv.weight!.numel() >= LargeWeightElements && conv.groups == 1
            && !is_grad_enabled())
            return Im2Col(conv, input);
        return conv.forward(input);
    }

    const long LargePointwiseWeightElements = 1L << 20; // 1920x640 and up; at 960x320 oneDNN was 2x faster

    /// <summary>A 1x1 convolution that is one matrix product of the channels-last input's rows with the weight.</summary>
    static bool IsMatrixProduct(Conv2d conv, Tensor input) =>
        conv.groups == 1 && conv.stride.All(st => st == 1) && conv.padding!.All(p => p == 0) && ConvWeightLayout.IsChannelsLast(input);

    /// <summary>float32: libtorch's own is wrong at some shapes; bf16: oneDNN is slower with large weights (inference).</summary>
    static bool PrefersMatrixProduct(Conv2d conv, Tensor input) => input.dtype switch
    {
        ScalarType.Float32 => true,
        ScalarType.BFloat16 => conv.weight!.numel() >= LargePointwiseWeightElements && !is_grad_enabled(),
        _ => false,
    };

    static Tensor ChannelsLast(Conv2d conv, Tensor input)
    {
        using var nhwc = input.permute(0, 2, 3, 1).contiguous();
        using var channelsLast = nhwc.permute(0, 3, 1, 2);
        using var output = conv.forward(channelsLast);
        return output.contiguous();
    }

    /// <summary>
    /// The convolution as one matrix product over patches cut from the NHWC view: rows are output pixels, so the result
    /// is channels-last like the activations around it. Patch elements are ordered like the weight's memory, (kh, kw, C)
    /// for a channels-last weight, (C, kh, kw) otherwise, so the weight is used as a view, never copied.
    /// </summary>
    static Tensor Im2Col(Conv2d conv, Tensor input)
    {
        var (k, p, s) = (conv.kernel_size, conv.padding!, conv.stride);
        var (batch, outChannels) = (input.shape[0], conv.out_channels);
        var weight = conv.weight!;
        var channelsLastWeight = ConvWeightLayout.IsChannelsLast(weight);
        using var nhwc = input.permute(0, 2, 3, 1);
        using var padded = nn.functional.pad(nhwc, [0, 0, p[1], p[1], p[0], p[0]]);
        using var windows = padded.unfold(1, k[0], s[0]).unfold(2, k[1], s[1]); // [B, outH, outW, C, kh, kw]
        var (outH, outW) = (windows.shape[1], windows.shape[2]);
        using var ordered = channelsLastWeight ? windows.permute(0, 1, 2, 4, 5, 3) : windows.alias();
        using var patches = ordered.reshape(batch * outH * outW, -1);
        using var matrix = (channelsLastWeight ? weight.permute(0, 2, 3, 1) : weight).reshape(outChannels, -1);
        using var product = conv.bias is null ? patches.matmul(matrix.t()) : addmm(conv.bias, patches, matrix.t(), 1, 1);
        using var image = product.view(batch, outH, outW, outChannels);
        return image.permute(0, 3, 1, 2);
    }
}
