using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace KosmosG.Testing;

/// <summary>Writes one PNG chunk: length, type, data, CRC-32 of type and data (PNG spec section 5.3).</summary>
public static class PngChunk
{
    public static void Write(Stream output, string type, byte[] data)
    {
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.HashToUInt32(typed));
        output.Write(word);
    }
}
