using static TorchSharp.torch;

namespace KosmosG.Imaging;

/// <summary>Conversions between <see cref="RgbImage"/> and [.., 3, H, W] tensors in [0, 1].</summary>
public static class ImageTensors
{
    /// <summary>
    /// [N, 3, H, W] floats in [0, 1] -> images, uint8 = round(x*255) computed in float32 with round half
    /// to even, exactly like the references' <c>(images * 255).round().astype("uint8")</c>; values outside
    /// [0, 1] are clipped.
    /// </summary>
    public static RgbImage[] ToRgbImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"expected images [N,3,H,W], got [{string.Join(",", images.shape)}]");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var u8 = (images.detach().to(ScalarType.Float32).cpu() * 255).round().clamp(0, 255)
            .to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();
        var bytes = u8.data<byte>().ToArray();
        int n = (int)images.shape[0], h = (int)images.shape[2], w = (int)images.shape[3];
        var result = new RgbImage[n];
        for (var i = 0; i < n; i++) result[i] = new RgbImage(w, h, bytes.AsSpan(i * h * w * 3, h * w * 3).ToArray());
        return result;
    }

    /// <summary>An image as float32 [3, H, W] = u8 / 255.</summary>
    public static Tensor ToTensor(RgbImage image)
    {
        image.Validate();
        using var hwc = tensor(image.Pixels, [image.Height, image.Width, 3]);
        using var chw = hwc.permute(2, 0, 1);
        return chw.to(ScalarType.Float32).div_(255);
    }
}
