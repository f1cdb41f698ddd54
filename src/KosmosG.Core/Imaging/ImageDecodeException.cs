namespace KosmosG.Imaging;

/// <summary>Why an uploaded image was refused (the service maps these to 415 / 413 / 400 / 400).</summary>
public enum ImageDecodeErrorKind
{
    UnsupportedFormat,
    TooLarge,
    Corrupt,
    Truncated,
}

/// <summary>An uploaded image could not be used; the message is written for the user.</summary>
public sealed class ImageDecodeException(ImageDecodeErrorKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ImageDecodeErrorKind Kind { get; } = kind;
}
