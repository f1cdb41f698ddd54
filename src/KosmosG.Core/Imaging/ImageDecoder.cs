using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace KosmosG.Imaging;

/// <summary>
/// Turns the bytes a user uploads (PNG, JPEG or WebP) into an <see cref="RgbImage"/>: format and
/// dimensions are read from the header and checked against <see cref="ImageLimits"/> before any
/// pixel is decoded; EXIF orientation is applied; grayscale, palette, 16-bit and CMYK inputs become
/// 8-bit RGB; transparency is composited on white.
/// </summary>
public sealed class ImageDecoder(ImageLimits limits)
{
    // Only the three accepted formats; plain GC arrays so no pooled native buffer outlives a request.
    static readonly Configuration Formats = new(new PngConfigurationModule(), new JpegConfigurationModule(), new WebpConfigurationModule())
    {
        MemoryAllocator = new SimpleGcMemoryAllocator(),
    };

    public ImageLimits Limits { get; } = limits;

    public ImageDecoder() : this(ImageLimits.Default) { }

    /// <summary>The MIME type of the container the bytes start with (PNG, JPEG or WebP), or null for anything else.</summary>
    public static string? DetectMimeType(ReadOnlySpan<byte> data) =>
        ImageContainer.IsPng(data) ? "image/png" : ImageContainer.IsJpeg(data) ? "image/jpeg" : ImageContainer.IsWebP(data) ? "image/webp" : null;

    public RgbImage Decode(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length == 0) throw new ImageDecodeException(ImageDecodeErrorKind.Corrupt, "The image is empty (0 bytes).");
        if (data.Length > Limits.MaxBytes)
            throw new ImageDecodeException(ImageDecodeErrorKind.TooLarge, $"The image is {data.Length} bytes; the limit is {Limits.MaxBytes}.");
        if (!(ImageContainer.IsPng(data) || ImageContainer.IsJpeg(data) || ImageContainer.IsWebP(data)))
        {
            var name = ImageContainer.OtherFormatName(data);
            throw new ImageDecodeException(ImageDecodeErrorKind.UnsupportedFormat,
                (name is null ? "The data is not a recognised image." : $"{name} images are not supported.") + " Send a PNG, JPEG or WebP image.");
        }
        if (ImageContainer.IsAnimatedWebP(data))
            throw new ImageDecodeException(ImageDecodeErrorKind.UnsupportedFormat, "Animated WebP images are not supported. Send a still image.");
        if (!ImageContainer.IsComplete(data))
            throw new ImageDecodeException(ImageDecodeErrorKind.Truncated, "The image file is truncated (it ends before the image data does).");

        var info = Guard(() => Image.Identify(Formats, data, out _))
                   ?? throw new ImageDecodeException(ImageDecodeErrorKind.Corrupt, "The image header could not be read.");
        CheckDimensions(info.Width, info.Height);

        using var image = Guard(() => Image.Load<Rgba32>(Formats, data));
        image.Mutate(x => x.AutoOrient());
        return CompositeOnWhite(image);
    }

    void CheckDimensions(int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ImageDecodeException(ImageDecodeErrorKind.Corrupt, $"The image header gives an invalid size {width}x{height}.");
        if (Math.Max(width, height) > Limits.MaxSide || (long)width * height > Limits.MaxPixels)
            throw new ImageDecodeException(ImageDecodeErrorKind.TooLarge,
                $"The image is {width}x{height}; at most {Limits.MaxSide} pixels per side and {Limits.MaxPixels} pixels in all are accepted.");
    }

    static T Guard<T>(Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (Exception e) when (e is ImageFormatException or InvalidDataException or ArgumentException or IndexOutOfRangeException
                                      or InvalidOperationException or NotSupportedException or EndOfStreamException)
        {
            // ImageSharp reports malformed content through several exception types; all mean "bad file".
            throw new ImageDecodeException(ImageDecodeErrorKind.Corrupt, $"The image data is corrupt: {e.Message}", e);
        }
    }

    /// <summary>out = (c*a + 255*(255-a)) / 255, rounded: straight alpha over a white background.</summary>
    static RgbImage CompositeOnWhite(Image<Rgba32> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var o = y * rows.Width * 3;
                foreach (var p in row)
                {
                    int a = p.A, white = 255 * (255 - a);
                    pixels[o++] = (byte)((p.R * a + white + 127) / 255);
                    pixels[o++] = (byte)((p.G * a + white + 127) / 255);
                    pixels[o++] = (byte)((p.B * a + white + 127) / 255);
                }
            }
        });
        return new RgbImage(image.Width, image.Height, pixels);
    }
}
