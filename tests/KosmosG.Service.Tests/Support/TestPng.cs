using System.Buffers.Binary;
using System.IO.Compression;
using KosmosG.Service.Imaging;

namespace KosmosG.Service.Tests.Support;

/// <summary>A minimal PNG encoder (8-bit RGB, filter 0, zlib): real files any decoder reads.</summary>
public static class TestPng
{
    static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static byte[] Solid(int width, int height, byte r, byte g, byte b)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i += 3) (pixels[i], pixels[i + 1], pixels[i + 2]) = (r, g, b);
        return Encode(width, height, pixels);
    }

    public static byte[] Encode(int width, int height, byte[] rgb)
    {
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
            for (var y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(rgb, y * width * 3, width * 3);
            }
        return Png(width, height, raw.ToArray());
    }

    /// <summary>A PNG whose header claims any size, with a token IDAT: the decompression-bomb shape.</summary>
    public static byte[] HeaderOnly(int width, int height) => Png(width, height, [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);

    static byte[] Png(int width, int height, byte[] idat)
    {
        using var png = new MemoryStream();
        png.Write(Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // colour type RGB
        PngText.WriteChunk(png, "IHDR", ihdr);
        PngText.WriteChunk(png, "IDAT", idat);
        PngText.WriteChunk(png, "IEND", []);
        return png.ToArray();
    }
}
