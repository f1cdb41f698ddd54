using System.Globalization;

namespace KosmosG.Tokenizers;

/// <summary>
/// fairseq <c>Dictionary</c> as KOSMOS-G's <c>GPTTask.setup_task</c> builds it: <c>&lt;s&gt;</c>=0,
/// <c>&lt;pad&gt;</c>=1, <c>&lt;/s&gt;</c>=2, <c>&lt;unk&gt;</c>=3, dict.txt line k -> 4+k, then
/// <c>&lt;mask&gt;</c>, <c>&lt;/doc&gt;</c>, <c>&lt;image&gt;</c>, <c>&lt;/image&gt;</c>, <c>&lt;/chunk&gt;</c>, <c>&lt;/line&gt;</c>
/// (an already present symbol keeps its id, as <c>add_symbol</c> does).
/// </summary>
public sealed class FairseqDictionary
{
    const string OverwriteFlag = "#fairseq:overwrite";

    readonly List<string> _symbols = [];
    readonly Dictionary<string, int> _indices = new(StringComparer.Ordinal);

    public int Bos { get; }
    public int Pad { get; }
    public int Eos { get; }
    public int Unk { get; }
    public int Mask { get; private set; }
    public int EndOfDocument { get; private set; }
    public int ImageStart { get; private set; }
    public int ImageEnd { get; private set; }
    public int EndOfChunk { get; private set; }
    public int EndOfLine { get; private set; }

    public int Count => _symbols.Count;
    public string this[int id] => _symbols[id];

    /// <summary>Id of a piece; pieces not in the dictionary map to &lt;unk&gt; (fairseq <c>index</c>).</summary>
    public int IndexOf(string piece) => _indices.TryGetValue(piece, out var id) ? id : Unk;

    public bool Contains(string piece) => _indices.ContainsKey(piece);

    FairseqDictionary()
    {
        Bos = AddSymbol("<s>");
        Pad = AddSymbol("<pad>");
        Eos = AddSymbol("</s>");
        Unk = AddSymbol("<unk>");
    }

    /// <summary>Loads dict.txt (<c>piece count [#fairseq:overwrite]</c> per line) and appends the KOSMOS-G symbols.</summary>
    public static FairseqDictionary Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"fairseq dictionary not found: {path}", path);
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8);
        return Parse(reader, path);
    }

    public static FairseqDictionary Parse(TextReader reader, string source)
    {
        var dictionary = new FairseqDictionary();
        var lineNumber = 0;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            var (word, overwrite) = ParseLine(line.TrimEnd(), source, lineNumber);
            if (!overwrite && dictionary.Contains(word))
                throw new InvalidDataException($"{source}:{lineNumber}: duplicate word '{word}' (add {OverwriteFlag} to the line to allow it)");
            dictionary.AddSymbol(word, overwrite);
        }
        dictionary.Mask = dictionary.AddSymbol("<mask>");
        dictionary.EndOfDocument = dictionary.AddSymbol("</doc>");
        dictionary.ImageStart = dictionary.AddSymbol("<image>");
        dictionary.ImageEnd = dictionary.AddSymbol("</image>");
        dictionary.EndOfChunk = dictionary.AddSymbol("</chunk>");
        dictionary.EndOfLine = dictionary.AddSymbol("</line>");
        return dictionary;
    }

    static (string Word, bool Overwrite) ParseLine(string line, string source, int lineNumber)
    {
        var (word, field) = SplitLast(line);
        var overwrite = field == OverwriteFlag;
        if (overwrite) (word, field) = SplitLast(word ?? "");
        if (word is null || !int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            throw new InvalidDataException($"{source}:{lineNumber}: expected '<token> <count> [flags]', got '{line}'");
        return (word, overwrite);

        static (string? Head, string Tail) SplitLast(string text)
        {
            var space = text.LastIndexOf(' ');
            return space < 0 ? (null, text) : (text[..space], text[(space + 1)..]);
        }
    }

    int AddSymbol(string word, bool overwrite = false)
    {
        if (!overwrite && _indices.TryGetValue(word, out var existing)) return existing;
        var id = _symbols.Count;
        _indices[word] = id;
        _symbols.Add(word);
        return id;
    }
}
