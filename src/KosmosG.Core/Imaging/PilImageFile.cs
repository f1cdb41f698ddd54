namespace KosmosG.Imaging;

/// <summary>
/// An image file read the way Python evaluation code does with <c>Image.open(path).convert('RGB')</c>
/// (<see cref="ImageDecoder.DecodeAsStored"/>): no EXIF rotation, RGBA/LA lose their alpha (NOT composited, unlike
/// uploads), palette transparency ignored. JPEG pixels are Pillow's: both decode with libjpeg-turbo.
/// </summary>
public static class PilImageFile
{
    /// <summary>Throws <see cref="ImageDecodeException"/> naming the file for anything that is not a readable image.</summary>
    public static RgbImage LoadRgb(string path, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        if (!File.Exists(path)) throw new FileNotFoundException($"image not found: {path}", path);
        var bytes = new FileInfo(path).Length;
        if (bytes > limits.MaxBytes) throw new ImageDecodeException(ImageDecodeErrorKind.TooLarge, $"'{path}' is {bytes} bytes; at most {limits.MaxBytes} are read");
        try
        {
            return new ImageDecoder(limits).DecodeAsStored(File.ReadAllBytes(path));
        }
        catch (ImageDecodeException e)
        {
            throw new ImageDecodeException(e.Kind, $"'{path}': {e.Message}", e);
        }
    }
}
