using System.Buffers.Binary;

namespace KosmosG.Imaging;

/// <summary>
/// Byte-level checks on the accepted containers that lenient decoders skip: ImageSharp 2.1 loads a
/// JPEG or WebP cut in half, or a PNG without IEND, without complaint (measured), so completeness is
/// checked here.
/// Also names common formats that are refused, for the error message.
/// </summary>
internal static class ImageContainer
{
    static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool IsPng(ReadOnlySpan<byte> data) => data.StartsWith(PngSignature);
    public static bool IsJpeg(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
    public static bool IsWebP(ReadOnlySpan<byte> data) => data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8);

    /// <summary>
    /// An extended WebP whose VP8X header sets the animation flag: every frame would be decoded, so the
    /// per-image pixel limit would not bound memory; animations are refused.
    /// </summary>
    public static bool IsAnimatedWebP(ReadOnlySpan<byte> data) =>
        IsWebP(data) && data.Length > 20 && data[12..16].SequenceEqual("VP8X"u8) && (data[20] & 0x02) != 0;

    /// <summary>A name for a recognised but unsupported format, or null.</summary>
    public static string? OtherFormatName(ReadOnlySpan<byte> data) => data switch
    {
        _ when data.StartsWith("GIF8"u8) => "GIF",
        _ when data.StartsWith("BM"u8) => "BMP",
        _ when data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8) => "TIFF",
        _ when data.Length >= 12 && data[4..8].SequenceEqual("ftyp"u8) => "HEIF/AVIF",
        _ when data.StartsWith("\0\0\x01\0"u8) => "ICO",
        _ when data.StartsWith("<svg"u8) || data.StartsWith("<?xml"u8) => "SVG",
        _ => null,
    };

    /// <summary>True when the container ends where its own structure says it must (PNG IEND, JPEG EOI after the scan, RIFF size).</summary>
    public static bool IsComplete(ReadOnlySpan<byte> data)
    {
        if (IsPng(data)) return PngComplete(data);
        if (IsJpeg(data)) return JpegComplete(data);
        if (IsWebP(data)) return BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) <= (ulong)data.Length - 8;
        return true;
    }

    static bool PngComplete(ReadOnlySpan<byte> data)
    {
        long pos = PngSignature.Length;
        while (pos + 8 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[(int)pos..]);
            var isEnd = data.Slice((int)pos + 4, 4).SequenceEqual("IEND"u8);
            pos += 12L + length; // length, type, data, CRC
            if (pos > data.Length) return false;
            if (isEnd) return true;
        }
        return false;
    }

    static bool JpegComplete(ReadOnlySpan<byte> data)
    {
        var pos = 2;
        while (pos + 1 < data.Length)
        {
            if (data[pos] != 0xFF) return true; // not a marker: malformed, left to the decoder to report
            var marker = data[pos + 1];
            pos += 2;
            if (marker == 0xFF) { pos--; continue; }                        // fill byte
            if (marker == 0xD9) return true;                                // EOI
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue;          // markers without a length
            if (pos + 2 > data.Length) return false;
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (pos + length > data.Length) return false;
            // Entropy-coded data stuffs every 0xFF with 0x00, so after the first scan FF D9 can only be EOI.
            if (marker == 0xDA) return data[(pos + length)..].IndexOf([(byte)0xFF, (byte)0xD9]) >= 0;
            pos += length;
        }
        return false;
    }
}
