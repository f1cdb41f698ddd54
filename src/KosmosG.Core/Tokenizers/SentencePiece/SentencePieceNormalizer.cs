using System.Buffers;
using System.Text;

namespace KosmosG.Tokenizers.SentencePiece;

/// <summary>
/// SentencePiece 0.1.97 <c>Normalizer::Normalize</c> on UTF-8 bytes: charsmap replacement (longest
/// rule first; user-defined pieces pass through untouched), removal of leading/trailing/repeated
/// spaces, the dummy-prefix space, and escaping of ' ' as U+2581.
/// </summary>
internal sealed class SentencePieceNormalizer(NormalizerSpec spec, PrecompiledCharsMap? charsMap, UserDefinedMatcher userDefined)
{
    static readonly byte[] SpaceSymbol = "\u2581"u8.ToArray();
    static readonly byte[] ReplacementChar = "\uFFFD"u8.ToArray();

    public byte[] Normalize(ReadOnlySpan<byte> input)
    {
        var output = new ArrayBufferWriter<byte>(input.Length * 2 + 4);
        ReadOnlySpan<byte> piece;
        if (spec.RemoveExtraWhitespaces)
        {
            while (!input.IsEmpty)
            {
                var consumed = NormalizePrefix(input, out piece);
                if (!piece.SequenceEqual(" "u8)) break;
                input = input[consumed..];
            }
        }
        if (input.IsEmpty) return [];

        if (spec.AddDummyPrefix) output.Write(spec.EscapeWhitespaces ? SpaceSymbol : " "u8);

        var isPrevSpace = spec.RemoveExtraWhitespaces;
        while (!input.IsEmpty)
        {
            var consumed = NormalizePrefix(input, out piece);
            while (isPrevSpace && !piece.IsEmpty && piece[0] == (byte)' ') piece = piece[1..];
            if (!piece.IsEmpty)
            {
                foreach (var b in piece)
                {
                    if (spec.EscapeWhitespaces && b == (byte)' ') output.Write(SpaceSymbol);
                    else output.Write([b]);
                }
                isPrevSpace = piece[^1] == (byte)' ';
            }
            input = input[consumed..];
            if (!spec.RemoveExtraWhitespaces) isPrevSpace = false;
        }

        var result = output.WrittenSpan;
        if (spec.RemoveExtraWhitespaces)
        {
            var space = spec.EscapeWhitespaces ? SpaceSymbol : " "u8;
            while (result.EndsWith(space)) result = result[..^space.Length];
        }
        return result.ToArray();
    }

    /// <summary>Normalises the first unit of <paramref name="input"/>; returns how many input bytes it consumed.</summary>
    int NormalizePrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        var userLength = userDefined.Match(input, out var isUserDefined);
        if (isUserDefined)
        {
            replacement = input[..userLength];
            return userLength;
        }
        if (charsMap is not null)
        {
            var ruleLength = charsMap.LongestPrefix(input, out replacement);
            if (ruleLength > 0) return ruleLength;
        }
        if (Rune.DecodeFromUtf8(input, out _, out var charLength) != OperationStatus.Done)
        {
            // Malformed UTF-8: SentencePiece consumes one byte and emits U+FFFD.
            replacement = ReplacementChar;
            return 1;
        }
        replacement = input[..charLength];
        return charLength;
    }
}
