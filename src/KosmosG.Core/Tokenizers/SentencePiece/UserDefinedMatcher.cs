namespace KosmosG.Tokenizers.SentencePiece;

/// <summary>
/// SentencePiece's PrefixMatcher: the longest user-defined piece at the start of a UTF-8 span, else
/// one character (by lead byte, as the C++ OneCharLen does). User-defined pieces are atomic.
/// </summary>
internal sealed class UserDefinedMatcher(IEnumerable<byte[]> symbols)
{
    readonly byte[][] _symbols = symbols.Where(s => s.Length > 0).ToArray();

    public int Match(ReadOnlySpan<byte> input, out bool found)
    {
        var longest = 0;
        foreach (var symbol in _symbols)
            if (symbol.Length > longest && input.StartsWith(symbol)) longest = symbol.Length;
        found = longest > 0;
        return found ? longest : Math.Min(input.Length, OneCharLength(input[0]));
    }

    static int OneCharLength(byte lead) => (lead >> 4) switch
    {
        < 12 => 1,
        12 or 13 => 2,
        14 => 3,
        _ => 4,
    };
}
