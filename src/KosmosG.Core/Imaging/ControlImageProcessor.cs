using static TorchSharp.torch;

namespace KosmosG.Imaging;

/// <summary>
/// diffusers' control image processor (VaeImageProcessor with do_convert_rgb=True, do_normalize=False): the RGB image
/// resized to the output size with PIL's Lanczos filter (not at all when it already has that size), as float32
/// u8 / 255 in [0, 1], NCHW [1, 3, H, W].
/// </summary>
public static class ControlImageProcessor
{
    public static Tensor Preprocess(RgbImage image, int width, int height)
    {
        var sized = image.Width == width && image.Height == height ? image : PilResize.Lanczos(image, width, height);
        using var chw = ImageTensors.ToTensor(sized);
        return chw.unsqueeze(0);
    }
}
