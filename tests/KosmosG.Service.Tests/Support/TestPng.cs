using System.Buffers.Binary;
using KosmosG.Imaging;
using KosmosG.Testing;

namespace KosmosG.Service.Tests.Support;

/// <summary>Real PNG files for requests, plus a hand-made one whose header claims any size.</summary>
public static class TestPng
{
    static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static byte[] Solid(int width, int height, byte r, byte g, byte b, IReadOnlyDictionary<string, string>? text = null)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i += 3) (pixels[i], pixels[i + 1], pixels[i + 2]) = (r, g, b);
        return Encode(width, height, pixels, text);
    }

    public static byte[] Encode(int width, int height, byte[] rgb, IReadOnlyDictionary<string, string>? text = null) =>
        PngEncoder.Encode(new RgbImage(width, height, rgb), text ?? new Dictionary<string, string>());

    /// <summary>A PNG whose header claims any size, with a token IDAT: the decompression-bomb shape.</summary>
    public static byte[] HeaderOnly(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write(Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // colour type RGB
        PngChunk.Write(png, "IHDR", ihdr);
        PngChunk.Write(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        PngChunk.Write(png, "IEND", []);
        return png.ToArray();
    }
}
