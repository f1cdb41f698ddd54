using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using KosmosG.Tokenizers;

namespace KosmosG.Training.Vocabulary;

/// <summary>
/// Writes a CLIP byte-level BPE tokenizer (vocab.json + merges.txt, the files <see cref="ClipTokenizer.FromFolder"/>
/// and transformers' CLIPTokenizer read) whose merges make every word of a list one token. Layout as in OpenAI's
/// CLIP vocabulary: the 256 byte symbols (GPT-2 bytes_to_unicode order), the same with <c>&lt;/w&gt;</c>, one entry
/// per merge result in merge order, then <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c>. Text outside the
/// list still encodes (bytes and partial merges); every id stays below the returned vocabulary size.
/// </summary>
public static class ClipVocabularyWriter
{
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";
    const string EndOfWord = "</w>";

    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>Writes the two files into <paramref name="tokenizerDir"/> (created if needed); returns the vocabulary size.</summary>
    /// <exception cref="InvalidOperationException">a word does not come out as one token per CLIP pre-token (a bug, checked after writing).</exception>
    public static int Write(string tokenizerDir, IReadOnlyList<WordCount> words)
    {
        WordList.Validate(words);
        var byteSymbols = ByteSymbolsInVocabOrder();
        List<string> baseSymbols = [.. byteSymbols, .. byteSymbols.Select(s => s + EndOfWord)];
        string[] specials = [ClipTokenizer.StartOfText, ClipTokenizer.EndOfText];
        // A tokenizer without merges yields one byte symbol per token; "</w>" marks where CLIP's cleaner and
        // pre-tokenizer end a piece, so the pieces BPE sees are exactly the ones the real tokenizer will see.
        var splitter = new ClipTokenizer(Ids([.. baseSymbols, .. specials]), []);
        var pieces = words.Select(w => (Pieces: PreTokens(splitter, w.Word), w.Count)).ToList();
        var merges = BpeLearner.Learn(pieces.SelectMany(p => p.Pieces.Select(symbols => (symbols, p.Count))));

        var known = new HashSet<string>(baseSymbols, StringComparer.Ordinal);
        var vocab = baseSymbols.Concat(merges.Select(m => m.Merged).Where(known.Add)).Concat(specials).ToList();

        Directory.CreateDirectory(tokenizerDir);
        var ids = Ids(vocab);
        File.WriteAllText(Path.Combine(tokenizerDir, VocabFile), JsonSerializer.Serialize(ids, Json), new UTF8Encoding(false));
        var text = new StringBuilder("#version: 0.2\n");
        foreach (var merge in merges) text.Append(merge.First).Append(' ').Append(merge.Second).Append('\n');
        File.WriteAllText(Path.Combine(tokenizerDir, MergesFile), text.ToString(), new UTF8Encoding(false));

        var written = ClipTokenizer.FromFolder(tokenizerDir);
        for (var i = 0; i < words.Count; i++)
        {
            var tokens = written.Tokenize(words[i].Word);
            if (tokens.Count != pieces[i].Pieces.Count)
                throw new InvalidOperationException($"CLIP vocabulary in '{tokenizerDir}': '{words[i].Word}' encodes as [{string.Join(", ", tokens)}], not one token per piece");
        }
        return vocab.Count;
    }

    static Dictionary<string, int> Ids(IEnumerable<string> vocab) =>
        vocab.Select((token, id) => (token, id)).ToDictionary(t => t.token, t => t.id, StringComparer.Ordinal);

    /// <summary>The word's pre-tokens as BPE sees them: byte symbols, the last one carrying &lt;/w&gt;.</summary>
    static List<IReadOnlyList<string>> PreTokens(ClipTokenizer splitter, string word)
    {
        var result = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        foreach (var token in splitter.Tokenize(word))
        {
            current.Add(token);
            if (!token.EndsWith(EndOfWord, StringComparison.Ordinal)) continue;
            result.Add(current);
            current = [];
        }
        if (result.Count == 0) throw new ArgumentException($"vocabulary word '{word}' has no characters CLIP's tokenizer keeps", nameof(word));
        return result;
    }

    /// <summary>GPT-2's bytes_to_unicode values in dictionary order: printable bytes first, then the rest from U+0100.</summary>
    static List<string> ByteSymbolsInVocabOrder()
    {
        static bool Printable(int b) => b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
        var symbols = Enumerable.Range(0, 256).Where(Printable).Select(b => ((char)b).ToString()).ToList();
        var next = 256;
        foreach (var b in Enumerable.Range(0, 256).Where(b => !Printable(b))) symbols.Add(((char)next++).ToString());
        return symbols;
    }
}
