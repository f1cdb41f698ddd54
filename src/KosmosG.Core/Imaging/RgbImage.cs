namespace KosmosG.Imaging;

/// <summary>An 8-bit RGB image, row-major, 3 bytes per pixel (the decoded form every stage works with).</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    public RgbImage Validate() =>
        Width > 0 && Height > 0 && Pixels.Length == Width * Height * 3
            ? this
            : throw new ArgumentException($"RGB image {Width}x{Height} needs {Width * Height * 3} bytes, has {Pixels.Length}");
}
