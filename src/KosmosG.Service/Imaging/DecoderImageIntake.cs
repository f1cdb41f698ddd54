using KosmosG.Imaging;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Imaging;

/// <summary>
/// Uploaded images through the core <see cref="ImageDecoder"/> (format and size checked from the header before any
/// pixel is decoded; EXIF orientation; alpha on white) with the service's limits, plus the declared content type:
/// it must be one we read and must match the data.
/// </summary>
public sealed class DecoderImageIntake(IOptions<KosmosGOptions> options) : IImageIntake
{
    public static readonly string[] AcceptedTypes = ["image/png", "image/jpeg", "image/webp"];
    readonly ImageDecoder _decoder = new(new ImageLimits(options.Value.Limits.MaxImageBytes, options.Value.Limits.MaxImagePixels));

    public RgbImage Read(byte[] bytes, string? declaredType, string field)
    {
        var declared = declaredType?.Split(';')[0].Trim().ToLowerInvariant();
        if (declared is "image/jpg") declared = "image/jpeg";
        var known = declared is not (null or "" or "application/octet-stream");
        if (known && !AcceptedTypes.Contains(declared))
            throw new ImageRejectedException(field, ImageDecodeErrorKind.UnsupportedFormat,
                $"{field}: content type '{declaredType}' is not accepted; send image/png, image/jpeg or image/webp.");
        if (known && ImageDecoder.DetectMimeType(bytes) is { } actual && actual != declared)
            throw new ImageRejectedException(field, ImageDecodeErrorKind.UnsupportedFormat, $"{field}: declared as {declared} but the data is {actual}.");
        try
        {
            return _decoder.Decode(bytes);
        }
        catch (ImageDecodeException e)
        {
            throw new ImageRejectedException(field, e.Kind, $"{field}: {e.Message}");
        }
    }
}
