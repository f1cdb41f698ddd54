using KosmosG.Imaging;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace KosmosG.Service.Imaging;

/// <summary>
/// PNG, JPEG and WebP through ImageSharp, defensively: the byte cap first, then Identify (header only, no pixel
/// buffers) for the format and the dimensions, and only within the pixel cap a full decode. ImageSharp would
/// otherwise allocate a 16000x16000 buffer for a 68-byte PNG that claims that size.
/// </summary>
public sealed class ImageSharpIntake(IOptions<KosmosGOptions> options) : IImageIntake
{
    static readonly Configuration Formats = new(new PngConfigurationModule(), new JpegConfigurationModule(), new WebpConfigurationModule());
    static readonly string[] AcceptedTypes = ["image/png", "image/jpeg", "image/webp"];
    readonly LimitsOptions _limits = options.Value.Limits;

    public RgbImage Read(byte[] bytes, string? declaredType, string field)
    {
        var declared = declaredType?.Split(';')[0].Trim().ToLowerInvariant();
        if (declared is "image/jpg") declared = "image/jpeg";
        if (declared is not (null or "" or "application/octet-stream") && !AcceptedTypes.Contains(declared))
            throw new ImageRejectedException(field, ImageRejectionKind.UnsupportedFormat,
                $"{field}: content type '{declaredType}' is not accepted; send image/png, image/jpeg or image/webp.");
        if (bytes.Length == 0)
            throw new ImageRejectedException(field, ImageRejectionKind.Corrupt, $"{field}: the file is empty.");
        if (bytes.Length > _limits.MaxImageBytes)
            throw new ImageRejectedException(field, ImageRejectionKind.TooLarge,
                $"{field}: {bytes.Length} bytes is over the limit of {_limits.MaxImageBytes} (KosmosG:Limits:MaxImageBytes).");

        IImageInfo? info;
        SixLabors.ImageSharp.Formats.IImageFormat? format;
        try
        {
            info = Image.Identify(Formats, bytes, out format);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or EndOfStreamException)
        {
            throw new ImageRejectedException(field, ImageRejectionKind.Corrupt, $"{field}: the image header is damaged ({e.Message}).");
        }
        if (info is null || format is null)
            throw new ImageRejectedException(field, ImageRejectionKind.UnsupportedFormat, $"{field}: not a PNG, JPEG or WebP image.");
        if (declared is not (null or "" or "application/octet-stream") && !format.MimeTypes.Contains(declared))
            throw new ImageRejectedException(field, ImageRejectionKind.UnsupportedFormat,
                $"{field}: declared as {declared} but the data is {format.DefaultMimeType}.");
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > _limits.MaxImagePixels)
            throw new ImageRejectedException(field, ImageRejectionKind.TooLarge,
                $"{field}: {info.Width}x{info.Height} is over the limit of {_limits.MaxImagePixels} pixels (KosmosG:Limits:MaxImagePixels).");

        try
        {
            using var image = Image.Load<Rgb24>(Formats, bytes);
            var pixels = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(pixels);
            return new RgbImage(image.Width, image.Height, pixels).Validate();
        }
        catch (Exception e) when (e is EndOfStreamException || e.Message.Contains("end of", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImageRejectedException(field, ImageRejectionKind.Truncated, $"{field}: the image data ends early (truncated file).");
        }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or IndexOutOfRangeException or ArgumentException)
        {
            throw new ImageRejectedException(field, ImageRejectionKind.Corrupt, $"{field}: the image data is damaged ({e.Message}).");
        }
    }
}
