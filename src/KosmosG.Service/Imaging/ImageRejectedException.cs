using KosmosG.Imaging;

namespace KosmosG.Service.Imaging;

/// <summary>An input image that cannot be used, naming the request field (e.g. "images[1]").</summary>
public sealed class ImageRejectedException(string field, ImageDecodeErrorKind kind, string message) : Exception(message)
{
    public string Field { get; } = field;
    public ImageDecodeErrorKind Kind { get; } = kind;

    /// <summary>415 for formats we do not read, 413 for oversize, 400 for broken files.</summary>
    public int Status => Kind switch
    {
        ImageDecodeErrorKind.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
        ImageDecodeErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status400BadRequest,
    };
}
