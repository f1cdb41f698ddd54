using KosmosG.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SharpPngEncoder = SixLabors.ImageSharp.Formats.Png.PngEncoder;

namespace KosmosG.Tests.Imaging;

/// <summary>The decoder gives the pixels an independent reader gives: PIL for JPEG, the known pixels for PNG.</summary>
public class ImageDecoderExactnessTests
{
    static readonly ImageDecoder Decoder = new();

    /// <summary>Decoded on a pool thread with a timeout, so a decoder that spins fails the test instead of hanging the run.</summary>
    static RgbImage DecodeWithin(byte[] data, int seconds = 30) =>
        Task.Run(() => Decoder.Decode(data)).WaitAsync(TimeSpan.FromSeconds(seconds)).GetAwaiter().GetResult();

    public static TheoryData<int, int> InterlacedSizes
    {
        get
        {
            var sizes = InterlacedPng.IssueSizes;
            sizes.Add(9, 17);  // every pass non-empty, odd remainders
            sizes.Add(33, 8);
            return sizes;
        }
    }

    [Theory]
    [MemberData(nameof(InterlacedSizes))]
    public void InterlacedPng_DecodesToItsPixels(int width, int height)
    {
        var pixels = InterlacedPng.Pixels(width, height);
        var image = DecodeWithin(InterlacedPng.Encode(width, height, pixels));
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(pixels, image.Pixels);
    }

    [Fact]
    public void IssueRepro_Interlaced2x2_DecodesAsPillowDoes()
    {
        // Pillow 9.4.0: Image.open(...).getdata() -> (0,0,0), (7,3,0), (13,0,5), (20,3,5).
        var image = DecodeWithin(Convert.FromBase64String(InterlacedPng.IssueRepro2x2Base64));
        Assert.Equal([0, 0, 0, 7, 3, 0, 13, 0, 5, 20, 3, 5], image.Pixels);
    }

    [Theory]
    [InlineData("noise_420")]
    [InlineData("noise_422")]
    [InlineData("smooth_444")]
    [InlineData("noise_progressive")]
    [InlineData("smooth_gray")]
    [InlineData("noise_cmyk")]
    public void Jpeg_DecodesExactlyAsPillow(string name)
    {
        var image = Decoder.Decode(ImagingTestData.Bytes($"jpeg_{name}.jpg"));
        using var pil = Image.Load<Rgb24>(ImagingTestData.Bytes($"jpeg_{name}.pil.png")); // opaque RGBA written by Pillow
        var expected = new byte[pil.Width * pil.Height * 3];
        pil.CopyPixelDataTo(expected);
        Assert.Equal((pil.Width, pil.Height), (image.Width, image.Height));
        Assert.Equal(expected, image.Pixels);
    }

    public static TheoryData<string> RepositoryPngs()
    {
        var root = Path.GetFullPath(Path.Combine(Fixtures.Root, ".."));
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(root, "*.png", SearchOption.AllDirectories)
                     .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
                     .Order())
            data.Add(Path.GetRelativePath(root, path));
        return data;
    }

    /// <summary>Every PNG the tests read (parity inputs included) gives the pixels ImageSharp gave before the switch.</summary>
    [Theory]
    [MemberData(nameof(RepositoryPngs))]
    public void TestPngs_DecodeAsImageSharpDid(string relative)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.Root, "..", relative));
        using var reference = Image.Load<Rgba32>(bytes);
        var rgba = new byte[reference.Width * reference.Height * 4];
        reference.CopyPixelDataTo(rgba);
        var image = Decoder.Decode(bytes);
        Assert.Equal((reference.Width, reference.Height), (image.Width, image.Height));
        // Translucent pixels (eval-tiny's RGBA input) are composited on white: c*a/255 + 255*(1 - a/255), rounded.
        for (var i = 0; i < image.Width * image.Height * 3; i++)
        {
            int a = rgba[i / 3 * 4 + 3], c = rgba[i / 3 * 4 + i % 3];
            Assert.True((c * a + 255 * (255 - a) + 127) / 255 == image.Pixels[i], $"value {i} of {relative}");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void ExifOrientation_MatchesImageSharpAutoOrient(int orientation)
    {
        var upright = Decoder.Decode(Jpeg(orientation: 1));
        var oriented = Decoder.Decode(Jpeg(orientation));
        using var expected = Image.LoadPixelData<Rgb24>(upright.Pixels, upright.Width, upright.Height);
        expected.Metadata.ExifProfile = new ExifProfile();
        expected.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)orientation);
        expected.Mutate(x => x.AutoOrient());
        var pixels = new byte[expected.Width * expected.Height * 3];
        expected.CopyPixelDataTo(pixels);
        Assert.Equal((expected.Width, expected.Height), (oriented.Width, oriented.Height));
        Assert.Equal(pixels, oriented.Pixels);
    }

    /// <summary>The same 12x7 JPEG data with only the EXIF orientation tag changed.</summary>
    static byte[] Jpeg(int orientation)
    {
        var random = new Random(3);
        using var image = new Image<Rgb24>(12, 7);
        for (var y = 0; y < 7; y++)
            for (var x = 0; x < 12; x++)
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)orientation);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }
}
