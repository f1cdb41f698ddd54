using SkiaSharp;

namespace KosmosG.Imaging;

/// <summary>
/// Turns the bytes a user uploads (PNG, JPEG or WebP) into an <see cref="RgbImage"/> with libpng, libjpeg-turbo and
/// libwebp (through SkiaSharp): the container is checked first, then format and dimensions are read from the header
/// and checked against <see cref="ImageLimits"/> before the one pixel buffer (4 bytes per pixel) is allocated;
/// EXIF orientation is applied; grayscale, palette, 16-bit and CMYK inputs become 8-bit RGB; transparency is
/// composited on white. JPEG pixels are those of PIL, which decodes with the same libjpeg-turbo.
/// The decoders pull their input through a stream that ends once <see cref="ImageLimits.MaxDecodeSeconds"/> has
/// passed, so a decode stops at its next read; what it does after its last read is bounded by the pixel limit.
/// </summary>
public sealed class ImageDecoder(ImageLimits limits, TimeProvider? clock = null)
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public ImageLimits Limits { get; } = limits;

    public ImageDecoder() : this(ImageLimits.Default) { }

    /// <summary>The MIME type of the container the bytes start with (PNG, JPEG or WebP), or null for anything else.</summary>
    public static string? DetectMimeType(ReadOnlySpan<byte> data) => Format(data) switch
    {
        SKEncodedImageFormat.Png => "image/png",
        SKEncodedImageFormat.Jpeg => "image/jpeg",
        SKEncodedImageFormat.Webp => "image/webp",
        _ => null,
    };

    static SKEncodedImageFormat? Format(ReadOnlySpan<byte> data) =>
        ImageContainer.IsPng(data) ? SKEncodedImageFormat.Png
        : ImageContainer.IsJpeg(data) ? SKEncodedImageFormat.Jpeg
        : ImageContainer.IsWebP(data) ? SKEncodedImageFormat.Webp
        : null;

    /// <summary>An upload as the model sees it: EXIF orientation applied, transparency composited on white.</summary>
    public RgbImage Decode(byte[] data)
    {
        var (rgba, width, height, origin) = DecodeRgba(data);
        return ExifOrientation.Apply(CompositeOnWhite(rgba, width, height), origin);
    }

    /// <summary>
    /// A file as Python evaluation code reads it with <c>Image.open(path).convert('RGB')</c>: no EXIF rotation, alpha
    /// dropped (not composited), palette transparency ignored.
    /// </summary>
    public RgbImage DecodeAsStored(byte[] data)
    {
        var (rgba, width, height, _) = DecodeRgba(data);
        var pixels = new byte[width * height * 3];
        for (int i = 0, o = 0; i < rgba.Length; i += 4)
        {
            pixels[o++] = rgba[i];
            pixels[o++] = rgba[i + 1];
            pixels[o++] = rgba[i + 2];
        }
        return new RgbImage(width, height, pixels);
    }

    (byte[] Rgba, int Width, int Height, SKEncodedOrigin Origin) DecodeRgba(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length == 0) throw new ImageDecodeException(ImageDecodeErrorKind.Corrupt, "The image is empty (0 bytes).");
        if (data.Length > Limits.MaxBytes)
            throw new ImageDecodeException(ImageDecodeErrorKind.TooLarge, $"The image is {data.Length} bytes; the limit is {Limits.MaxBytes}.");
        if (Format(data) is not { } format)
        {
            var name = ImageContainer.OtherFormatName(data);
            throw new ImageDecodeException(ImageDecodeErrorKind.UnsupportedFormat,
                (name is null ? "The data is not a recognised image." : $"{name} images are not supported.") + " Send a PNG, JPEG or WebP image.");
        }
        if (ImageContainer.IsAnimatedWebP(data))
            throw new ImageDecodeException(ImageDecodeErrorKind.UnsupportedFormat, "Animated WebP images are not supported. Send a still image.");
        if (!ImageContainer.IsComplete(data))
            throw new ImageDecodeException(ImageDecodeErrorKind.Truncated, "The image file is truncated (it ends before the image data does).");

        var input = new DecodeDeadlineStream(data, _clock, TimeSpan.FromSeconds(Limits.MaxDecodeSeconds));
        using var codec = SKCodec.Create(input, out var opened);   // reads the header only; owns the stream
        if (codec is null || codec.EncodedFormat != format)
        {
            input.Dispose();
            throw input.Expired ? TookTooLong() : new ImageDecodeException(ImageDecodeErrorKind.Corrupt, $"The image header could not be read ({opened}).");
        }
        CheckDimensions(codec.Info.Width, codec.Info.Height);

        // Straight alpha and no colour space: no colour management, as PIL and the reference pipelines read files.
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize64];
        SKCodecResult decoded;
        unsafe
        {
            fixed (byte* pixels = rgba) decoded = codec.GetPixels(info, (IntPtr)pixels);
        }
        if (input.Expired) throw TookTooLong();
        if (decoded != SKCodecResult.Success)
            throw new ImageDecodeException(ImageDecodeErrorKind.Corrupt, $"The image data is corrupt ({decoded}).");
        return (rgba, info.Width, info.Height, codec.EncodedOrigin);
    }

    ImageDecodeException TookTooLong() => new(ImageDecodeErrorKind.TooLarge,
        $"The image took longer than {Limits.MaxDecodeSeconds:0.###} s to decode.");

    void CheckDimensions(int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ImageDecodeException(ImageDecodeErrorKind.Corrupt, $"The image header gives an invalid size {width}x{height}.");
        if (Math.Max(width, height) > Limits.MaxSide || (long)width * height > Limits.MaxPixels)
            throw new ImageDecodeException(ImageDecodeErrorKind.TooLarge,
                $"The image is {width}x{height}; at most {Limits.MaxSide} pixels per side and {Limits.MaxPixels} pixels in all are accepted.");
    }

    /// <summary>out = (c*a + 255*(255-a)) / 255, rounded: straight alpha over a white background.</summary>
    static RgbImage CompositeOnWhite(byte[] rgba, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0, o = 0; i < rgba.Length; i += 4)
        {
            int a = rgba[i + 3], white = 255 * (255 - a);
            pixels[o++] = (byte)((rgba[i] * a + white + 127) / 255);
            pixels[o++] = (byte)((rgba[i + 1] * a + white + 127) / 255);
            pixels[o++] = (byte)((rgba[i + 2] * a + white + 127) / 255);
        }
        return new RgbImage(width, height, pixels);
    }
}
