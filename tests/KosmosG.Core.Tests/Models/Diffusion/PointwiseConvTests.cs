using KosmosG.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Diffusion;

public class PointwiseConvTests
{
    [Theory]
    [InlineData(8, 640, 4, true, false)]    // a LoRA's up projection at a 32x32 latent's 4x4 level: libtorch's conv2d was ~50% off here
    [InlineData(64, 1280, 16, true, false)]
    [InlineData(640, 1280, 16, true, true)] // SD's shortcut at a 64x64 latent's 16x16 level
    [InlineData(8, 320, 8, false, true)]    // NCHW input
    public void MatchesTheConvolutionInFloat64(int inChannels, int outChannels, int size, bool channelsLast, bool bias)
    {
        var generator = new Generator(11, CPU);
        using var nchw = randn([2, inChannels, size, size], ScalarType.Float32, generator: generator);
        using var input = channelsLast ? nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : nchw.alias();
        using var weight = randn([outChannels, inChannels, 1, 1], ScalarType.Float32, generator: generator);
        using var b = bias ? randn([outChannels], ScalarType.Float32, generator: generator) : null;
        using var expected = nn.functional.conv2d(nchw.to(ScalarType.Float64), weight.to(ScalarType.Float64), b?.to(ScalarType.Float64));
        using var actual = PointwiseConv.Apply(input, weight, b);
        Assert.Equal(expected.shape, actual.shape);
        TensorAssert.Close(expected, actual, atol: 1e-4, rtol: 1e-4, what: $"{inChannels}->{outChannels} at {size}x{size}");
    }

    [Fact]
    public void GradientsReachTheWeight()
    {
        using var input = randn([1, 8, 4, 4], ScalarType.Float32, generator: new Generator(2, CPU));
        using var weight = zeros([16, 8, 1, 1], ScalarType.Float32).requires_grad_();
        using var loss = PointwiseConv.Apply(input, weight).sum();
        loss.backward();
        // d(sum)/dW[o, c] = sum over batch and positions of input[c], the same for every output channel.
        using var expected = input.sum([0, 2, 3]).expand(16, 8);
        TensorAssert.Close(expected, weight.grad!.view(16, 8), atol: 1e-4, rtol: 1e-5, what: "weight gradient");
    }
}
