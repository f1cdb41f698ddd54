using System.Buffers.Binary;

namespace KosmosG.Tokenizers.SentencePiece;

/// <summary>
/// SentencePiece's compiled normalisation rules (e.g. nmt_nfkc): a Darts-clone double-array trie over
/// UTF-8 byte sequences whose leaf values are offsets of NUL-terminated replacement strings.
/// Blob layout: uint32 trie size in bytes, the trie's uint32 units, then the replacement strings.
/// </summary>
internal sealed class PrecompiledCharsMap
{
    readonly uint[] _units;
    readonly byte[] _replacements;

    public PrecompiledCharsMap(ReadOnlySpan<byte> blob)
    {
        if (blob.Length <= 4) throw new InvalidDataException("precompiled_charsmap: blob too short");
        var trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes >= blob.Length - 4 || trieBytes % 4 != 0 || trieBytes == 0)
            throw new InvalidDataException($"precompiled_charsmap: trie size {trieBytes} does not fit a {blob.Length}-byte blob");
        _units = new uint[trieBytes / 4];
        for (var i = 0; i < _units.Length; i++)
            _units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + 4 * i)..]);
        _replacements = blob[(4 + (int)trieBytes)..].ToArray();
    }

    /// <summary>
    /// Longest rule whose key is a prefix of <paramref name="input"/> (Darts commonPrefixSearch);
    /// returns the key length in bytes (0 = no rule) and the replacement (possibly empty).
    /// </summary>
    public int LongestPrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        var longest = 0;
        var id = Offset(Unit(0));
        for (var i = 0; i < input.Length; i++)
        {
            id ^= input[i];
            var unit = Unit(id);
            if (Label(unit) != input[i]) break;
            id ^= Offset(unit);
            if (HasLeaf(unit))
            {
                longest = i + 1;
                var value = (int)(Unit(id) & 0x7FFFFFFFu);
                if (value >= _replacements.Length)
                    throw new InvalidDataException($"precompiled_charsmap: replacement offset {value} outside the string table");
                var rest = _replacements.AsSpan(value);
                var end = rest.IndexOf((byte)0);
                replacement = end < 0 ? rest : rest[..end];
            }
        }
        return longest;
    }

    uint Unit(uint index) => index < _units.Length
        ? _units[index]
        : throw new InvalidDataException($"precompiled_charsmap: trie index {index} outside {_units.Length} units");

    static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);
    static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
