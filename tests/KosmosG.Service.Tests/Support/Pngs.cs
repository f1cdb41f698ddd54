using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace KosmosG.Service.Tests.Support;

/// <summary>Checks returned PNGs with an independent decoder (ImageSharp).</summary>
public static class Pngs
{
    /// <summary>Decodes the PNG and asserts its size and the colour the test generator gives this seed.</summary>
    public static void AssertImage(byte[] png, int width, int height, long seed)
    {
        using var image = Image.Load<Rgb24>(png);
        Assert.Equal((width, height), (image.Width, image.Height));
        var (r, g, b) = TestGenerator.ColorOf(seed);
        Assert.Equal(new Rgb24(r, g, b), image[width / 2, height / 2]);
    }
}
