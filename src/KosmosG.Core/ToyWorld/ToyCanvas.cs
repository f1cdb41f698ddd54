using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>
/// Brings a generated image to the judge's 64x64 canvas by an integer factor (a model may draw at 32x32, or at 128x128
/// and up): nearest-neighbour up, box average down, so flat shapes keep their colours and pixel counts scale exactly.
/// </summary>
public static class ToyCanvas
{
    public static RgbImage Fit(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        image.Validate();
        int n = ToyRenderer.Size, w = image.Width;
        if (image.Height == w)
        {
            if (w == n) return image;
            if (w < n && n % w == 0) return Upscale(image, n / w);
            if (w > n && w % n == 0) return Downscale(image, w / n);
        }
        throw new ArgumentException(
            $"Cannot judge a {image.Width}x{image.Height} image: the judge needs {n}x{n}, or a square image an integer factor larger or smaller",
            nameof(image));
    }

    /// <summary>Each pixel becomes a <paramref name="factor"/> x <paramref name="factor"/> block.</summary>
    public static RgbImage Upscale(RgbImage image, int factor)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        image.Validate();
        int w = image.Width * factor, h = image.Height * factor;
        var pixels = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Array.Copy(image.Pixels, ((y / factor) * image.Width + x / factor) * 3, pixels, (y * w + x) * 3, 3);
        return new RgbImage(w, h, pixels);
    }

    private static RgbImage Downscale(RgbImage image, int factor)
    {
        int w = image.Width / factor, h = image.Height / factor, area = factor * factor;
        var pixels = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                {
                    int sum = 0;
                    for (int dy = 0; dy < factor; dy++)
                        for (int dx = 0; dx < factor; dx++)
                            sum += image.Pixels[((y * factor + dy) * image.Width + x * factor + dx) * 3 + c];
                    pixels[(y * w + x) * 3 + c] = (byte)((sum + area / 2) / area);
                }
        return new RgbImage(w, h, pixels);
    }
}
