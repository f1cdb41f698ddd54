using KosmosG.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Diffusion;

/// <summary>Modules and inputs are float32 explicitly: parallel tests build fp16/bf16 models under libtorch's
/// process-wide default dtype.</summary>
public class CpuConvTests
{
    [Theory]
    [InlineData(1, 1)] // the U-Net's 3x3 convolutions
    [InlineData(2, 1)] // Downsample2D
    public void LargeFloat32ConvolutionsThroughIm2ColMatchTheDirectConvolution(int stride, int padding)
    {
        // 1024x1024x3x3 weights (37.7 MB) take the im2col path; the direct call is the reference.
        using var conv = nn.Conv2d(1024, 1024, 3, stride: stride, padding: padding, dtype: ScalarType.Float32);
        using var input = randn([2, 1024, 5, 7], ScalarType.Float32, generator: new Generator(3, CPU));
        using var mode = inference_mode();
        using var expected = conv.call(input);
        using var actual = CpuConv.Call(conv, input);
        TensorAssert.Close(expected, actual, atol: 1e-4, rtol: 1e-4, what: $"stride {stride}");
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
