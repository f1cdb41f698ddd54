using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// A 1x1 convolution as the matrix product of the input's [B*H*W, C] rows with the [out, C] weight: no copy of
/// channels-last input, channels-last output. libtorch 2.10's own float32 conv2d on channels-last input is wrong at
/// many 1x1 shapes on AVX-512 CPUs (a LoRA's up projection, rank 4-128 to 320-1280 channels: 30-70% relative error;
/// see <see cref="CpuConv"/>); the matrix product is right at every shape and runs with autograd.
/// </summary>
public static class PointwiseConv
{
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias = null)
    {
        var (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3]);
        var outChannels = weight.shape[0];
        using var nhwc = input.permute(0, 2, 3, 1);
        using var rows = nhwc.reshape(batch * height * width, channels);
        using var matrix = weight.view(outChannels, channels);
        using var transposed = matrix.t();
        using var product = bias is null ? rows.matmul(transposed) : addmm(bias, rows, transposed, 1, 1);
        using var image = product.view(batch, height, width, outChannels);
        return image.permute(0, 3, 1, 2);
    }
}
