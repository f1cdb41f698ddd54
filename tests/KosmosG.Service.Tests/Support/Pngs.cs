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

    /// <summary>The PNG's iTXt text chunks by keyword.</summary>
    public static Dictionary<string, string> Text(byte[] png)
    {
        var result = new Dictionary<string, string>();
        var pos = 8;
        while (pos + 8 <= png.Length)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            if (type == "iTXt")
            {
                var data = png.AsSpan(pos + 8, length);
                var nul = data.IndexOf((byte)0);
                result[System.Text.Encoding.Latin1.GetString(data[..nul])] = System.Text.Encoding.UTF8.GetString(data[(nul + 5)..]);
            }
            pos += 12 + length;
        }
        return result;
    }
}
