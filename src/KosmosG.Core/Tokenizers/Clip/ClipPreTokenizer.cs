using System.Globalization;
using System.Text;

namespace KosmosG.Tokenizers;

/// <summary>
/// CLIP's pre-tokenizer regex
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// (Python <c>regex</c>, IGNORECASE) evaluated on code points: .NET's Regex works on UTF-16 units and splits letters
/// and digits outside the Basic Multilingual Plane (e.g. U+1D400) wrongly.
/// </summary>
internal static class ClipPreTokenizer
{
    static readonly string[] Literals =
        [ClipTokenizer.StartOfText, ClipTokenizer.EndOfText, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    enum Kind { None, Letter, Number, Other }

    /// <summary>Appends the regex matches of one whitespace-free word, in order.</summary>
    public static void Split(string word, List<string> output)
    {
        var i = 0;
        while (i < word.Length)
        {
            var literal = Literals.FirstOrDefault(l => MatchesAt(word, i, l));
            if (literal is not null)
            {
                output.Add(word.Substring(i, literal.Length));
                i += literal.Length;
                continue;
            }
            var kind = KindAt(word, i, out var width);
            if (kind == Kind.None) { i += width; continue; }
            var start = i;
            i += width;
            if (kind != Kind.Number)
                while (i < word.Length && KindAt(word, i, out width) == kind) i += width;
            output.Add(word[start..i]);
        }
    }

    // Case-insensitive as the regex module matches these ASCII literals: the only non-ASCII character that folds onto
    // one of their letters is U+017F LONG S (onto 's'); upper-case ASCII is gone after lower-casing.
    static bool MatchesAt(string word, int i, string literal)
    {
        if (i + literal.Length > word.Length) return false;
        for (var k = 0; k < literal.Length; k++)
        {
            var c = word[i + k];
            if (c != literal[k] && !(literal[k] == 's' && c == '\u017F')) return false;
        }
        return true;
    }

    static Kind KindAt(string word, int i, out int width)
    {
        var rune = Rune.GetRuneAt(word, i);
        width = rune.Utf16SequenceLength;
        // U+0345 COMBINING GREEK YPOGEGRAMMENI case-folds to a letter, which under IGNORECASE takes it out of the
        // "other" class without making it a letter: the reference regex matches nothing there and skips it.
        if (rune.Value == 0x345 || Rune.IsWhiteSpace(rune)) return Kind.None;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }
}
