using System.Buffers.Binary;
using KosmosG.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using PngEncoder = SixLabors.ImageSharp.Formats.Png.PngEncoder;

namespace KosmosG.Tests.Imaging;

public class ImageDecoderTests
{
    static readonly ImageDecoder Decoder = new();

    [Fact]
    public void PngHeaderClaiming16000x16000_RejectedBeforeAllocating()
    {
        var bomb = PngWithSize(16000, 16000);
        Assert.True(bomb.Length < 100);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(bomb));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ImageDecodeErrorKind.TooLarge, error.Kind);
        Assert.Contains("16000x16000", error.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes"); // decoding would need ~1 GB
    }

    [Fact]
    public void TooManyPixels_WithinSideLimit_Rejected()
    {
        var error = Assert.Throws<ImageDecodeException>(() => new ImageDecoder(new ImageLimits(MaxPixels: 1000, MaxSide: 100)).Decode(PngWithSize(40, 30)));
        Assert.Equal(ImageDecodeErrorKind.TooLarge, error.Kind);
    }

    [Fact]
    public void TooManyBytes_Rejected()
    {
        var png = Encode(Solid(8, 8, new Rgba32(1, 2, 3)), new PngEncoder());
        var error = Assert.Throws<ImageDecodeException>(() => new ImageDecoder(new ImageLimits(MaxBytes: png.Length - 1)).Decode(png));
        Assert.Equal(ImageDecodeErrorKind.TooLarge, error.Kind);
    }

    [Fact]
    public void ExactlyAtEveryLimit_Accepted()
    {
        var png = Encode(Solid(40, 25, new Rgba32(1, 2, 3)), new PngEncoder());
        var image = new ImageDecoder(new ImageLimits(MaxBytes: png.Length, MaxPixels: 40 * 25, MaxSide: 40)).Decode(png);
        Assert.Equal((40, 25), (image.Width, image.Height));
    }

    [Fact]
    public void RandomBytesAndEmpty_Rejected()
    {
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        Assert.Equal(ImageDecodeErrorKind.UnsupportedFormat, Assert.Throws<ImageDecodeException>(() => Decoder.Decode(random)).Kind);
        Assert.Equal(ImageDecodeErrorKind.Corrupt, Assert.Throws<ImageDecodeException>(() => Decoder.Decode([])).Kind);
    }

    [Theory]
    [InlineData("GIF")]
    [InlineData("BMP")]
    public void GifAndBmp_UnsupportedFormat(string format)
    {
        using var image = Solid(8, 8, new Rgba32(10, 20, 30));
        using var stream = new MemoryStream();
        if (format == "GIF") image.SaveAsGif(stream); else image.SaveAsBmp(stream);
        var error = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(stream.ToArray()));
        Assert.Equal(ImageDecodeErrorKind.UnsupportedFormat, error.Kind);
        Assert.Contains($"{format} images are not supported", error.Message);
    }

    [Fact]
    public void AnimatedWebP_UnsupportedFormat()
    {
        // RIFF/WEBP with a VP8X chunk whose flags set the animation bit (0x02), canvas 16x16.
        byte[] vp8x = [.. "VP8X"u8, 10, 0, 0, 0, 0x02, 0, 0, 0, 15, 0, 0, 15, 0, 0];
        byte[] webp = [.. "RIFF"u8, (byte)(4 + vp8x.Length), 0, 0, 0, .. "WEBP"u8, .. vp8x];
        var error = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(webp));
        Assert.Equal(ImageDecodeErrorKind.UnsupportedFormat, error.Kind);
        Assert.Contains("Animated WebP", error.Message);
    }

    public static TheoryData<string> Formats => ["png", "jpeg", "webp"];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Truncated_Rejected(string format)
    {
        var full = Encode(Noise(32, 32), format switch
        {
            "png" => new PngEncoder(),
            "jpeg" => new JpegEncoder { Quality = 90 },
            _ => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        });
        Assert.Equal(32, Decoder.Decode(full).Width);
        foreach (var keep in new[] { full.Length / 2, full.Length - 1 })
        {
            var error = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(full[..keep]));
            Assert.Equal(ImageDecodeErrorKind.Truncated, error.Kind);
        }
    }

    [Fact]
    public void CorruptPngData_Corrupt()
    {
        var png = Encode(Noise(16, 16), new PngEncoder());
        var idat = png.AsSpan().IndexOf("IDAT"u8);
        for (var i = idat + 4; i < idat + 24; i++) png[i] ^= 0x5A;   // scramble the zlib stream header and data
        var error = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(png));
        Assert.Equal(ImageDecodeErrorKind.Corrupt, error.Kind);
    }

    [Fact]
    public void Rgba_CompositedOnWhite()
    {
        using var image = new Image<Rgba32>(4, 1);
        image[0, 0] = new Rgba32(255, 0, 0, 0);       // fully transparent -> white
        image[1, 0] = new Rgba32(0, 0, 0, 128);       // half black -> (255*127 + 127) / 255 = 127
        image[2, 0] = new Rgba32(0, 0, 255, 255);     // opaque -> unchanged
        image[3, 0] = new Rgba32(200, 100, 50, 64);   // (c*64 + 255*191 + 127) / 255
        var rgb = Decoder.Decode(Encode(image, new PngEncoder { ColorType = PngColorType.RgbWithAlpha }));
        byte Mix(int c) => (byte)((c * 64 + 255 * 191 + 127) / 255);
        Assert.Equal([255, 255, 255, 127, 127, 127, 0, 0, 255, Mix(200), Mix(100), Mix(50)], rgb.Pixels);
    }

    [Theory]
    [InlineData(PngColorType.Grayscale, PngBitDepth.Bit8)]
    [InlineData(PngColorType.Grayscale, PngBitDepth.Bit16)]
    [InlineData(PngColorType.Palette, PngBitDepth.Bit8)]
    [InlineData(PngColorType.Rgb, PngBitDepth.Bit16)]
    public void GrayscalePalette16Bit_BecomeRgb(PngColorType colorType, PngBitDepth bitDepth)
    {
        using var image = new Image<Rgba32>(3, 1);
        image[0, 0] = new Rgba32(0, 0, 0);
        image[1, 0] = new Rgba32(128, 128, 128);
        image[2, 0] = new Rgba32(255, 255, 255);
        var rgb = Decoder.Decode(Encode(image, new PngEncoder { ColorType = colorType, BitDepth = bitDepth }));
        Assert.Equal([0, 0, 0, 128, 128, 128, 255, 255, 255], rgb.Pixels);
    }

    [Fact]
    public void CmykJpeg_FromPillow_DecodesToRgb()
    {
        var rgb = Decoder.Decode(ImagingTestData.Bytes("cmyk_red.jpg"));   // CMYK (0,255,255,0) = red
        Assert.Equal((16, 16), (rgb.Width, rgb.Height));
        var center = (8 * 16 + 8) * 3;
        Assert.InRange(rgb.Pixels[center], 245, 255);
        Assert.InRange(rgb.Pixels[center + 1], 0, 10);
        Assert.InRange(rgb.Pixels[center + 2], 0, 10);
    }

    [Fact]
    public void ExifOrientation6_RotatedClockwise()
    {
        // Stored 32x16: left half red, right half blue. Orientation 6 = display rotated 90 degrees clockwise,
        // so the decoded image is 16x32 with red on top and blue at the bottom.
        using var image = new Image<Rgba32>(32, 16);
        for (var y = 0; y < 16; y++)
            for (var x = 0; x < 32; x++)
                image[x, y] = x < 16 ? new Rgba32(255, 0, 0) : new Rgba32(0, 0, 255);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        var rgb = Decoder.Decode(Encode(image, new JpegEncoder { Quality = 95 }));
        Assert.Equal((16, 32), (rgb.Width, rgb.Height));
        AssertColor(rgb, 8, 4, red: true);
        AssertColor(rgb, 8, 28, red: false);

        static void AssertColor(RgbImage img, int x, int y, bool red)
        {
            var i = (y * img.Width + x) * 3;
            Assert.True(red ? img.Pixels[i] > 200 && img.Pixels[i + 2] < 50 : img.Pixels[i] < 50 && img.Pixels[i + 2] > 200,
                $"pixel ({x},{y}) = ({img.Pixels[i]},{img.Pixels[i + 1]},{img.Pixels[i + 2]})");
        }
    }

    [Fact]
    public void LosslessWebPAndPng_DecodeExactly()
    {
        using var image = Noise(20, 12);
        var expected = Decoder.Decode(Encode(image, new PngEncoder()));
        var webp = Decoder.Decode(Encode(image, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }));
        Assert.Equal(expected.Pixels, webp.Pixels);
        Assert.Equal((20, 12), (expected.Width, expected.Height));
    }

    static Image<Rgba32> Solid(int w, int h, Rgba32 color)
    {
        var image = new Image<Rgba32>(w, h);
        for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) image[x, y] = color;
        return image;
    }

    static Image<Rgba32> Noise(int w, int h)
    {
        var random = new Random(w * 1000 + h);
        var image = new Image<Rgba32>(w, h);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                image[x, y] = new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        return image;
    }

    static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>A structurally complete, tiny PNG whose IHDR claims width x height (CRCs valid).</summary>
    static byte[] PngWithSize(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // RGB
        byte[] idat = [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]; // empty zlib stream
        return [0x89, .. "PNG\r\n\x1a\n"u8, .. Chunk("IHDR", ihdr), .. Chunk("IDAT", idat), .. Chunk("IEND", [])];
    }

    static byte[] Chunk(string type, byte[] data)
    {
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typeAndData.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(typeAndData));
        return chunk;
    }

    static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
