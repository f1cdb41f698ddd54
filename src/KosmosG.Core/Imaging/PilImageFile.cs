using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace KosmosG.Imaging;

/// <summary>
/// An image file read the way Python evaluation code does with <c>Image.open(path).convert('RGB')</c>: no EXIF
/// rotation, RGBA/LA lose their alpha (NOT composited, unlike <see cref="ImageDecoder"/> for uploads), grayscale is
/// replicated, palette entries are looked up with transparency ignored. PNG, JPEG and WebP; the size is checked against
/// <see cref="ImageLimits"/> from the header first. JPEG pixels come from ImageSharp's decoder, which can differ from
/// libjpeg-turbo (Pillow's) by a level here and there.
/// </summary>
public static class PilImageFile
{
    static readonly Configuration Formats = new(new PngConfigurationModule(), new JpegConfigurationModule(), new WebpConfigurationModule())
    {
        MemoryAllocator = new SimpleGcMemoryAllocator(),
    };

    /// <summary>Throws <see cref="ImageDecodeException"/> naming the file for anything that is not a readable image.</summary>
    public static RgbImage LoadRgb(string path, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        if (!File.Exists(path)) throw new FileNotFoundException($"image not found: {path}", path);
        var bytes = new FileInfo(path).Length;
        if (bytes > limits.MaxBytes) throw new ImageDecodeException(ImageDecodeErrorKind.TooLarge, $"'{path}' is {bytes} bytes; at most {limits.MaxBytes} are read");
        try
        {
            var data = File.ReadAllBytes(path);
            var info = Image.Identify(Formats, data, out _)
                       ?? throw new ImageDecodeException(ImageDecodeErrorKind.UnsupportedFormat, $"'{path}' is not a PNG, JPEG or WebP image");
            if (info.Width <= 0 || info.Height <= 0 || Math.Max(info.Width, info.Height) > limits.MaxSide || (long)info.Width * info.Height > limits.MaxPixels)
                throw new ImageDecodeException(ImageDecodeErrorKind.TooLarge, $"'{path}' is {info.Width}x{info.Height}; at most {limits.MaxSide} per side and {limits.MaxPixels} pixels are read");
            using var image = Image.Load<Rgb24>(Formats, data);
            var pixels = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(pixels);
            return new RgbImage(image.Width, image.Height, pixels);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or NotSupportedException or EndOfStreamException)
        {
            throw new ImageDecodeException(ImageDecodeErrorKind.Corrupt, $"'{path}' could not be decoded: {e.Message}", e);
        }
    }
}
