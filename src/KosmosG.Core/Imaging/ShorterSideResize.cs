namespace KosmosG.Imaging;

/// <summary>How a centre crop places an odd margin: torchvision's CenterCrop rounds (H - S) / 2 half to even,
/// transformers' center_crop floors it.</summary>
public enum CropOffsetRounding { HalfToEven, Floor }

/// <summary>
/// The resize-then-crop geometry every CLIP/DINO-style preprocessing uses: the shorter side to a size with Pillow's
/// bicubic (longer = int(size * long / short), truncating the double quotient as torchvision and transformers do),
/// then a centred square.
/// </summary>
public static class ShorterSideResize
{
    /// <summary>Shorter side -> <paramref name="size"/>; an image already that short is returned unchanged.</summary>
    public static RgbImage Resize(RgbImage image, int size)
    {
        image.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var (shortSide, longSide) = image.Width <= image.Height ? (image.Width, image.Height) : (image.Height, image.Width);
        if (shortSide == size) return image;
        var newLong = (int)((double)((long)size * longSide) / shortSide);
        var (width, height) = image.Width <= image.Height ? (size, newLong) : (newLong, size);
        return PilResize.Bicubic(image, width, height);
    }

    /// <summary>The central size x size square.</summary>
    public static RgbImage CenterCrop(RgbImage image, int size, CropOffsetRounding rounding)
    {
        image.Validate();
        if (image.Width < size || image.Height < size)
            throw new ArgumentException($"cannot crop {size}x{size} from a {image.Width}x{image.Height} image");
        var (top, left) = (Offset(image.Height - size, rounding), Offset(image.Width - size, rounding));
        var pixels = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
            Array.Copy(image.Pixels, ((top + y) * image.Width + left) * 3, pixels, y * size * 3, size * 3);
        return new RgbImage(size, size, pixels);
    }

    static int Offset(int margin, CropOffsetRounding rounding) =>
        rounding == CropOffsetRounding.Floor ? margin / 2 : (int)Math.Round(margin / 2.0, MidpointRounding.ToEven);
}
