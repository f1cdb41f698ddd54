namespace KosmosG.Imaging;

/// <summary>
/// Bounds on an uploaded image, checked from the header before any pixel is decoded, so a small file
/// that claims huge dimensions (a decompression bomb) is rejected without allocating.
/// <paramref name="MaxDecodeSeconds"/> bounds the time a decode may keep reading its input (see <see cref="ImageDecoder"/>).
/// </summary>
public sealed record ImageLimits(long MaxBytes = 20L << 20, long MaxPixels = 4096L * 4096, int MaxSide = 8192, double MaxDecodeSeconds = 10)
{
    public static ImageLimits Default { get; } = new();
}
