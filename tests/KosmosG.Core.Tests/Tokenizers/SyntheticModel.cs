using System.Text;

namespace KosmosG.Tests.Tokenizers;

/// <summary>Writes a tiny SentencePiece ModelProto by hand (no charsmap, one user-defined piece "&lt;image&gt;").</summary>
internal static class SyntheticModel
{
    public static byte[] Bytes(int modelType = 2)
    {
        var model = new List<byte>();
        (string Piece, float Score, int Type)[] pieces =
            [("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3), ("<image>", 0, 4), ("▁", -1, 1), ("a", -2, 1), ("b", -3, 1), ("▁a", -4, 1)];
        foreach (var (piece, score, type) in pieces)
        {
            var p = new List<byte>();
            Field(p, 1, Encoding.UTF8.GetBytes(piece));
            p.Add((2 << 3) | 5);
            p.AddRange(BitConverter.GetBytes(score));
            Varint(p, (3 << 3) | 0);
            Varint(p, (ulong)type);
            Field(model, 1, [.. p]);
        }
        Field(model, 2, [(3 << 3) | 0, (byte)modelType]);
        Field(model, 3, [.. Field([], 1, "identity"u8.ToArray())]);
        return [.. model];
    }

    static List<byte> Field(List<byte> target, int field, byte[] payload)
    {
        Varint(target, (ulong)((field << 3) | 2));
        Varint(target, (ulong)payload.Length);
        target.AddRange(payload);
        return target;
    }

    static void Varint(List<byte> target, ulong value)
    {
        for (; value >= 0x80; value >>= 7) target.Add((byte)(value | 0x80));
        target.Add((byte)value);
    }
}
