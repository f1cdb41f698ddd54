using KosmosG.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using PngEncoder = KosmosG.Imaging.PngEncoder;

namespace KosmosG.Tests.Imaging;

public class PngEncoderTests
{
    [Fact]
    public void Encode_PixelsAndTextChunks_RoundTrip()
    {
        var image = new RgbImage(3, 2, [.. Enumerable.Range(0, 18).Select(i => (byte)(i * 14))]);
        var text = new Dictionary<string, string> { ["prompt"] = "<i> in the style of <i>", ["parameters"] = "steps: 25, seed: 42, café" };
        var png = PngEncoder.Encode(image, text);

        Assert.True(png.AsSpan().IndexOf("tEXtprompt\0<i> in the style of <i>"u8) > 0);
        Assert.Equal(image.Pixels, new ImageDecoder().Decode(png).Pixels);
        using var loaded = Image.Load<Rgb24>(png);
        var chunks = loaded.Metadata.GetPngMetadata().TextData.ToDictionary(t => t.Keyword, t => t.Value);
        Assert.Equal(text, chunks);
        Assert.Equal(PngColorType.Rgb, loaded.Metadata.GetPngMetadata().ColorType);
    }

    [Fact]
    public void Encode_NonLatin1Value_RoundTripsAsItxt()
    {
        var png = PngEncoder.Encode(new RgbImage(1, 1, [1, 2, 3]), new Dictionary<string, string> { ["prompt"] = "猫 — ✓" });
        using var loaded = Image.Load<Rgb24>(png);
        Assert.Equal("猫 — ✓", loaded.Metadata.GetPngMetadata().TextData.Single().Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" lead")]
    [InlineData("tab\there")]
    [InlineData("ключ")]
    public void Encode_InvalidKeyword_Throws(string keyword) =>
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new RgbImage(1, 1, [0, 0, 0]), new Dictionary<string, string> { [keyword] = "v" }));
}
