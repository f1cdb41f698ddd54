using System.Globalization;
using System.Text;

namespace KosmosG.Tokenizers;

/// <summary>
/// The text clean-up the slow Hugging Face CLIPTokenizer runs when ftfy is not installed: transformers'
/// BasicTokenizer(strip_accents=False, do_split_on_punc=False) followed by lower-casing.
/// </summary>
internal static class ClipTextCleaner
{
    /// <summary>Lower-cased words: control characters dropped, whitespace mapped to spaces, CJK ideographs set apart,
    /// NFC-normalised, split on whitespace.</summary>
    public static string[] Words(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes()) // lone surrogates arrive as U+FFFD, which is dropped
        {
            var cp = rune.Value;
            if (cp is 0 or 0xFFFD || PythonUnicode.IsControl(cp)) continue;
            if (IsWhitespace(rune)) sb.Append(' ');
            else if (IsCjkIdeograph(cp)) sb.Append(' ').Append(rune.ToString()).Append(' ');
            else sb.Append(rune.ToString());
        }
        // Python's str.split() also splits on U+2028/U+2029, which survive the clean-up above.
        return PythonUnicode.NormalizeNfc(sb.ToString())
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(PythonUnicode.Lower)
            .ToArray();
    }

    static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    // transformers' _is_chinese_char: the CJK Unified Ideographs blocks and their compatibility ideographs.
    static bool IsCjkIdeograph(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
