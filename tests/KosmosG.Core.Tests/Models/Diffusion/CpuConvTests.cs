using KosmosG.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Diffusion;

/// <summary>Modules and inputs are float32 explicitly: parallel tests build fp16/bf16 models under libtorch's
/// process-wide default dtype.</summary>
public class CpuConvTests
{
    [Theory]
    [InlineData(1, 1, false, ScalarType.Float32)] // the U-Net's 3x3 convolutions
    [InlineData(2, 1, false, ScalarType.Float32)] // Downsample2D
    [InlineData(1, 1, true, ScalarType.Float32)]  // as the U-Net and VAE hold them: channels-last weights and activations
    [InlineData(2, 0, true, ScalarType.Float32)]
    [InlineData(1, 1, true, ScalarType.BFloat16)]
    [InlineData(2, 1, true, ScalarType.BFloat16)]
    public void LargeConvolutionsThroughIm2ColMatchTheDirectConvolution(int stride, int padding, bool channelsLast, ScalarType dtype)
    {
        // 1024x1024x3x3 weights (9.4 M elements) take the im2col path; the direct call is the reference. In bf16 both
        // accumulate in float32 and round the output to bf16 (2^-8 relative), in a different summation order.
        using var conv = nn.Conv2d(1024, 1024, 3, stride: stride, padding: padding, dtype: ScalarType.Float32);
        conv.to(dtype);
        using var nchw = randn([2, 1024, 5, 7], ScalarType.Float32, generator: new Generator(3, CPU)).to(dtype);
        using var mode = inference_mode();
        using var expected = conv.call(nchw);
        using var input = channelsLast ? nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : nchw.alias();
        if (channelsLast) ConvWeightLayout.ChannelsLast(conv);
        Assert.Equal(channelsLast, ConvWeightLayout.IsChannelsLast(conv.weight!));
        using var actual = CpuConv.Call(conv, input);
        Assert.True(ConvWeightLayout.IsChannelsLast(actual), "im2col returns channels-last activations");
        var tolerance = dtype == ScalarType.Float32 ? 1e-4 : 2e-2;
        TensorAssert.Close(expected.to(ScalarType.Float32), actual.to(ScalarType.Float32), atol: tolerance, rtol: tolerance,
            what: $"{dtype}, stride {stride}, padding {padding}");
    }

    [Theory]
    [InlineData(1280, 1280, true)]  // SD's proj_in/proj_out at the 1280-channel level: the matrix-product path
    [InlineData(2560, 1280, false)] // an up-path shortcut, no bias
    [InlineData(640, 640, true)]    // below the threshold: oneDNN, same values
    public void Bf16PointwiseConvolutionsOnChannelsLastMatchTheDirectConvolution(int inChannels, int outChannels, bool bias)
    {
        using var conv = nn.Conv2d(inChannels, outChannels, 1, bias: bias, dtype: ScalarType.Float32);
        conv.to(ScalarType.BFloat16);
        using var nhwc = randn([2, 6, 5, inChannels], ScalarType.Float32, generator: new Generator(7, CPU)).to(ScalarType.BFloat16);
        using var input = nhwc.permute(0, 3, 1, 2);
        using var mode = inference_mode();
        using var expected = conv.call(input);
        using var actual = CpuConv.Call(conv, input);
        Assert.True(ConvWeightLayout.IsChannelsLast(actual), "the pointwise path returns channels-last activations");
        // Both accumulate in float32 and round to bf16 (2^-8 relative) in a different summation order.
        TensorAssert.Close(expected.to(ScalarType.Float32), actual.to(ScalarType.Float32), atol: 2e-2, rtol: 2e-2, what: $"1x1 {inChannels}->{outChannels}");
    }

    [Theory]
    [InlineData(2, 2560, 1280, 4)] // SD's up-path shortcut at a 32x32 latent's 4x4 level
    [InlineData(2, 1280, 1280, 4)] // a ControlNet zero convolution there
    [InlineData(2, 320, 320, 7)]
    [InlineData(1, 1280, 1280, 5)]
    [InlineData(2, 640, 640, 1)]
    [InlineData(2, 640, 1280, 16)] // SD's down-path shortcut at a 64x64 latent's 16x16 level
    [InlineData(2, 960, 320, 64)]  // an up-path shortcut at the 64x64 level
    public void Float32PointwiseConvolutionsOnChannelsLastInputAreRight(int batch, int inChannels, int outChannels, int size)
    {
        // libtorch's own conv2d returned errors of ~1 at the first six shapes on channels-last input; float64 is the reference.
        using var conv = nn.Conv2d(inChannels, outChannels, 1, dtype: ScalarType.Float32);
        using var nhwc = randn([batch, size, size, inChannels], ScalarType.Float32, generator: new Generator(9, CPU));
        using var input = nhwc.permute(0, 3, 1, 2);
        using var mode = inference_mode();
        using var expected = nn.functional.conv2d(input.to(ScalarType.Float64), conv.weight!.to(ScalarType.Float64), conv.bias!.to(ScalarType.Float64));
        using var actual = CpuConv.Call(conv, input);
        Assert.True(ConvWeightLayout.IsChannelsLast(actual), "channels-last in, channels-last out");
        TensorAssert.Close(expected, actual, atol: 1e-4, rtol: 1e-4, what: $"fp32 1x1 {inChannels}->{outChannels} at {size}x{size}, batch {batch}");
    }

    [Fact]
    public void ChannelsLastWeightsKeepTheirValuesAndLoadByCopy()
    {
        using var conv = nn.Conv2d(8, 16, 3, padding: 1, dtype: ScalarType.Float32);
        using var before = conv.weight!.detach().clone();
        ConvWeightLayout.ChannelsLast(conv);
        Assert.True(ConvWeightLayout.IsChannelsLast(conv.weight!));
        Assert.True(before.allclose(conv.weight!, 0, 0));
        using var replacement = randn([16, 8, 3, 3], ScalarType.Float32, generator: new Generator(1, CPU));
        using (no_grad()) conv.weight!.copy_(replacement);
        Assert.True(ConvWeightLayout.IsChannelsLast(conv.weight!));
        Assert.True(replacement.allclose(conv.weight!, 0, 0));
    }

    [Fact]
    public void Bf16ConvolutionsWithOddOutputChannelsGoThroughChannelsLast()
    {
        using var conv = nn.Conv2d(64, 4, 3, padding: 1, dtype: ScalarType.Float32);
        using var input = randn([1, 64, 8, 8], ScalarType.Float32, generator: new Generator(5, CPU));
        using var mode = inference_mode();
        using var expected = conv.call(input);
        conv.to(ScalarType.BFloat16);
        using var actual = CpuConv.Call(conv, input.to(ScalarType.BFloat16)).to(ScalarType.Float32);
        // bf16 rounding only (8 mantissa bits over a 576-term sum), not the 5-65% error of the broken kernel.
        TensorAssert.Close(expected, actual, atol: 0.05, rtol: 0.02, what: "bf16 conv_out-like convolution");
    }
}
