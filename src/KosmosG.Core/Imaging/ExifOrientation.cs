using SkiaSharp;

namespace KosmosG.Imaging;

/// <summary>Turns stored pixels into the upright picture the EXIF orientation tag (1-8) describes.</summary>
internal static class ExifOrientation
{
    public static RgbImage Apply(RgbImage stored, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return stored;
        int w = stored.Width, h = stored.Height;
        var swapped = origin >= SKEncodedOrigin.LeftTop; // tags 5-8 exchange width and height
        int outW = swapped ? h : w, outH = swapped ? w : h;
        var pixels = new byte[stored.Pixels.Length];
        for (var y = 0; y < outH; y++)
            for (var x = 0; x < outW; x++)
            {
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),             // mirrored horizontally
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),  // rotated 180
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),           // mirrored vertically
                    SKEncodedOrigin.LeftTop => (y, x),                      // transposed
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),             // shown rotated 90 clockwise
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),  // transversed
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),           // shown rotated 90 counter-clockwise
                    _ => (x, y),
                };
                stored.Pixels.AsSpan((sy * w + sx) * 3, 3).CopyTo(pixels.AsSpan((y * outW + x) * 3));
            }
        return new RgbImage(outW, outH, pixels);
    }
}
