using System.Buffers.Binary;
using System.IO.Compression;
using Xunit;

namespace KosmosG.Testing;

/// <summary>
/// Writes Adam7-interlaced 8-bit RGB PNGs (PNG spec section 8), independent of any image library: the tiny ones
/// made ImageSharp 2.1.13's decoder spin forever. Rows alternate the None and Sub filters so both are exercised.
/// </summary>
public static class InterlacedPng
{
    // (x start, y start, x step, y step) of the seven passes.
    static readonly (int X, int Y, int Dx, int Dy)[] Passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <summary>The issue's 2x2 repro, byte for byte as it arrived in a request.</summary>
    public const string IssueRepro2x2Base64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAGK06rlAAAAFUlEQVR4nGNgAAJ2ZgYGXgZWEWZWAAEZADmHh3XHAAAAAElFTkSuQmCC";

    /// <summary>The sizes of the issue: 1x1, 1x2, 2x1, 2x2 and 4x1 spun ImageSharp forever; 3x3 and 4x4 were refused.</summary>
    public static TheoryData<int, int> IssueSizes => new() { { 1, 1 }, { 1, 2 }, { 2, 1 }, { 2, 2 }, { 4, 1 }, { 3, 3 }, { 4, 4 } };

    /// <summary>Deterministic RGB pixels for a width x height test image.</summary>
    public static byte[] Pixels(int width, int height, int seed = 0)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed * 7919 + width * 31 + height).NextBytes(pixels);
        return pixels;
    }

    public static byte[] Encode(int width, int height, byte[] rgb)
    {
        using var raw = new MemoryStream();
        foreach (var (px, py, dx, dy) in Passes)
        {
            int passWidth = (width - px + dx - 1) / dx, passHeight = (height - py + dy - 1) / dy;
            if (passWidth <= 0 || passHeight <= 0) continue; // an empty pass has no rows, not even filter bytes
            for (var row = 0; row < passHeight; row++)
            {
                var line = new byte[passWidth * 3];
                for (var i = 0; i < passWidth; i++)
                    rgb.AsSpan(((py + row * dy) * width + px + i * dx) * 3, 3).CopyTo(line.AsSpan(i * 3));
                var sub = row % 2 == 1;
                raw.WriteByte(sub ? (byte)1 : (byte)0);
                for (var i = 0; i < line.Length; i++)
                    raw.WriteByte(sub && i >= 3 ? (byte)(line[i] - line[i - 3]) : line[i]);
            }
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) raw.WriteTo(z);

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;   // bit depth
        ihdr[9] = 2;   // RGB
        ihdr[12] = 1;  // Adam7
        using var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        PngChunk.Write(png, "IHDR", ihdr);
        PngChunk.Write(png, "IDAT", compressed.ToArray());
        PngChunk.Write(png, "IEND", []);
        return png.ToArray();
    }
}
