using KosmosG.Models.Diffusion;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Adapters.Lora;

/// <summary>What a LoRA adds to a layer's output before its scale: up(down(x)), as diffusers' LoRACompatibleLinear/Conv
/// compute it. Shared by the inference scope and the trainer, so both take the same path.</summary>
public static class LoraDelta
{
    public static Tensor Linear(Tensor input, Tensor down, Tensor up)
    {
        using var h = nn.functional.linear(input, down);
        return nn.functional.linear(h, up);
    }

    /// <summary>down has the layer's kernel, stride and padding; up is 1x1, computed as a matrix product because
    /// libtorch's float32 1x1 conv2d on channels-last input is wrong at many rank-to-channels shapes (PointwiseConv).</summary>
    public static Tensor Conv(Conv2d conv, Tensor input, Tensor down, Tensor up)
    {
        using var h = nn.functional.conv2d(input, down, strides: conv.stride, padding: conv.padding, dilation: conv.dilation);
        return PointwiseConv.Apply(h, up);
    }
}
