using System.Text;

namespace KosmosG.Training.Vocabulary;

/// <summary>
/// Writes a fairseq dict.txt (<c>piece count</c> per line; line k becomes id 4 + k once fairseq has reserved
/// &lt;s&gt;, &lt;pad&gt;, &lt;/s&gt;, &lt;unk&gt;). Symbols fairseq or KOSMOS-G add themselves are refused: listing one
/// would shift or duplicate the special ids.
/// </summary>
public static class FairseqDictionaryWriter
{
    /// <summary>&lt;s&gt;, &lt;pad&gt;, &lt;/s&gt;, &lt;unk&gt; (reserved first) and the six symbols KOSMOS-G appends.</summary>
    public static readonly IReadOnlyList<string> AddedSymbols = ["<s>", "<pad>", "</s>", "<unk>", "<mask>", "</doc>", "<image>", "</image>", "</chunk>", "</line>"];

    public static void Write(string path, IEnumerable<string> pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        var text = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var piece in pieces)
        {
            if (string.IsNullOrEmpty(piece) || piece.Any(char.IsWhiteSpace))
                throw new ArgumentException($"dictionary piece '{piece}' is empty or holds whitespace", nameof(pieces));
            if (AddedSymbols.Contains(piece))
                throw new ArgumentException($"dictionary piece '{piece}' is a symbol fairseq/KOSMOS-G add themselves", nameof(pieces));
            if (!seen.Add(piece)) throw new ArgumentException($"dictionary piece '{piece}' is listed twice", nameof(pieces));
            text.Append(piece).Append(" 1\n");
        }
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }
}
