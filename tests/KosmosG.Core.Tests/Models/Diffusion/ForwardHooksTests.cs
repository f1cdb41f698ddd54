using KosmosG.Models.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Diffusion;

public class ForwardHooksTests
{
    [Fact]
    public void AHookIsSeenWhileItIsAttached()
    {
        using var conv = nn.Conv2d(8, 8, 1, dtype: ScalarType.Float32);
        Assert.False(ForwardHooks.Any(conv));
        var hook = conv.register_forward_hook((_, _, output) => output);
        Assert.True(ForwardHooks.Any(conv));
        hook.remove();
        Assert.False(ForwardHooks.Any(conv));
        var pre = conv.register_forward_pre_hook((_, input) => input);
        Assert.True(ForwardHooks.Any(conv));
        pre.remove();
    }

    [Theory]
    [InlineData(640, 1280, 1)]  // the float32 1x1 matrix-product path
    [InlineData(1280, 1280, 3)] // the im2col path (9.4 M weight elements)
    [InlineData(64, 64, 3)]     // oneDNN
    public void CpuConvRunsTheHooksAroundWhicheverPathItTakes(int inChannels, int outChannels, int kernel)
    {
        using var conv = nn.Conv2d(inChannels, outChannels, kernel, padding: kernel / 2, dtype: ScalarType.Float32);
        using var nhwc = randn([2, 8, 8, inChannels], ScalarType.Float32, generator: new Generator(4, CPU));
        using var input = nhwc.permute(0, 3, 1, 2);
        using var mode = inference_mode();
        using var tripled = input.mul(3);
        using var expected = CpuConv.Call(conv, tripled).mul(2);
        var calls = new List<string>();
        var pre = conv.register_forward_pre_hook((_, x) => { calls.Add("pre"); return x.mul(3); });
        var post = conv.register_forward_hook((_, x, output) => { calls.Add("post"); return output.mul(2); });
        using var hooked = CpuConv.Call(conv, input);
        pre.remove();
        post.remove();
        Assert.Equal(["pre", "post"], calls);
        TensorAssert.Close(expected, hooked, atol: 1e-4, rtol: 1e-4, what: $"{inChannels}->{outChannels} {kernel}x{kernel}");
    }
}
