using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace KosmosG.Tokenizers;

/// <summary>
/// Hugging Face's slow <c>CLIPTokenizer</c> (transformers 4.33, without ftfy) reproduced exactly: special tokens are
/// cut out first, the rest is cleaned up (<see cref="ClipTextCleaner"/>), split by CLIP's regex
/// (<see cref="ClipPreTokenizer"/>), mapped to byte symbols and merged by BPE rank with <c>&lt;/w&gt;</c> on the
/// last symbol. Thread-safe.
/// </summary>
public sealed class ClipTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    // CLIPTokenizer reads at most this many merges (49152 - 256 - 2), whatever merges.txt holds.
    const int MaxMerges = 49152 - 256 - 2;
    // Bounds the BPE cache of a long-running service; words beyond it are simply recomputed.
    const int MaxCachedWords = 100_000;

    static readonly string[] ByteSymbols = BuildByteSymbols();

    readonly Dictionary<string, int> _vocab;
    readonly Dictionary<(string, string), int> _mergeRanks;
    readonly string[] _specialTokens; // longest first, so the left-most match is also the longest
    readonly int _unkId;
    readonly ConcurrentDictionary<string, string[]> _cache = new(StringComparer.Ordinal);
    int _cachedWords; // ConcurrentDictionary.Count takes every lock, so the bound is tracked separately

    public int ModelMaxLength { get; }
    public int BosId { get; }
    public int EosId { get; }
    public int PadId { get; }

    /// <param name="merges">Merge pairs in rank order (a repeated pair keeps its last rank, as in Python's dict).</param>
    public ClipTokenizer(IReadOnlyDictionary<string, int> vocab, IEnumerable<(string First, string Second)> merges,
        string bosToken = StartOfText, string eosToken = EndOfText, string padToken = EndOfText,
        string unkToken = EndOfText, int modelMaxLength = 77, IEnumerable<string>? additionalSpecialTokens = null)
    {
        if (modelMaxLength < 2)
            throw new ArgumentException($"model_max_length {modelMaxLength} leaves no room for bos and eos", nameof(modelMaxLength));
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _mergeRanks = new Dictionary<(string, string), int>();
        var rank = 0;
        foreach (var pair in merges.Take(MaxMerges)) _mergeRanks[pair] = rank++;
        int Id(string token, string role) => _vocab.TryGetValue(token, out var id) ? id
            : throw new ArgumentException($"{role} token '{token}' is not in the vocabulary");
        BosId = Id(bosToken, "bos");
        EosId = Id(eosToken, "eos");
        PadId = Id(padToken, "pad");
        _unkId = Id(unkToken, "unk");
        _specialTokens = new[] { bosToken, eosToken, padToken, unkToken }.Concat(additionalSpecialTokens ?? [])
            .Where(t => t.Length > 0).Distinct().OrderByDescending(t => t.Length).ToArray();
        ModelMaxLength = modelMaxLength;
    }

    /// <summary>Loads vocab.json, merges.txt and the special tokens and model_max_length of tokenizer_config.json
    /// (overridden by special_tokens_map.json, as transformers does) from a tokenizer folder.</summary>
    public static ClipTokenizer FromFolder(string tokenizerDir)
    {
        var vocabPath = Path.Combine(tokenizerDir, "vocab.json");
        var mergesPath = Path.Combine(tokenizerDir, "merges.txt");
        Dictionary<string, int> vocab;
        try { vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath)) ?? []; }
        catch (JsonException e) { throw new InvalidDataException($"'{vocabPath}' is not a JSON object of token ids: {e.Message}", e); }

        var config = ClipTokenizerConfig.Load(tokenizerDir);
        return new ClipTokenizer(vocab, ReadMerges(mergesPath), config.BosToken, config.EosToken, config.PadToken,
            config.UnkToken, config.ModelMaxLength, config.AdditionalSpecialTokens);
    }

    // Like CLIPTokenizer: the whole file stripped, line 1 (the "#version" header) skipped, each line split on whitespace.
    static List<(string, string)> ReadMerges(string path)
    {
        var lines = File.ReadAllText(path).Trim().Split('\n');
        var merges = new List<(string, string)>(Math.Max(0, lines.Length - 1));
        for (var i = 1; i < lines.Length; i++)
        {
            var parts = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new InvalidDataException($"'{path}' line {i + 1}: expected two symbols, got '{lines[i].TrimEnd()}'");
            merges.Add((parts[0], parts[1]));
        }
        return merges;
    }

    /// <summary>The BPE token strings of a text, special tokens included, without bos/eos.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var words = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var special = _specialTokens.FirstOrDefault(t => string.CompareOrdinal(text, i, t, 0, t.Length) == 0);
            if (special is null) continue;
            TokenizePlain(text[start..i], words, tokens);
            tokens.Add(special);
            i += special.Length - 1;
            start = i + 1;
        }
        TokenizePlain(text[start..], words, tokens);
        return tokens;
    }

    void TokenizePlain(string text, List<string> words, List<string> tokens)
    {
        foreach (var word in ClipTextCleaner.Words(text))
        {
            words.Clear();
            ClipPreTokenizer.Split(word, words);
            foreach (var piece in words)
            {
                if (piece is StartOfText or EndOfText) tokens.Add(piece); // pre-seeded in CLIPTokenizer's BPE cache
                else tokens.AddRange(Bpe(ToByteSymbols(piece)));
            }
        }
    }

    /// <summary>Token ids of a text, unpadded and without bos/eos; unknown tokens map to the unk id.</summary>
    public IReadOnlyList<int> TokenIds(string text) =>
        Tokenize(text).Select(t => _vocab.TryGetValue(t, out var id) ? id : _unkId).ToList();

    /// <summary>Exactly <see cref="ModelMaxLength"/> ids: bos, the first ModelMaxLength - 2 token ids, eos, then pad ids
    /// (what <c>tokenizer(text, padding="max_length", truncation=True)</c> gives).</summary>
    public long[] Encode(string text)
    {
        var ids = TokenIds(text);
        var result = new long[ModelMaxLength];
        Array.Fill(result, (long)PadId);
        result[0] = BosId;
        var n = Math.Min(ids.Count, ModelMaxLength - 2);
        for (var i = 0; i < n; i++) result[i + 1] = ids[i];
        result[n + 1] = EosId;
        return result;
    }

    /// <summary>int64 [N, ModelMaxLength] ids of several texts (on the CPU).</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var flat = new long[texts.Count * ModelMaxLength];
        for (var i = 0; i < texts.Count; i++) Encode(texts[i]).CopyTo(flat, i * ModelMaxLength);
        return tensor(flat, [texts.Count, ModelMaxLength], ScalarType.Int64);
    }

    string[] Bpe(string word)
    {
        if (_cache.TryGetValue(word, out var cached)) return cached;
        var symbols = new List<string>(word.Length);
        foreach (var c in word) symbols.Add(c.ToString()); // byte symbols are single BMP characters
        symbols[^1] += "</w>";
        while (symbols.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i + 1 < symbols.Count; i++)
                if (_mergeRanks.TryGetValue((symbols[i], symbols[i + 1]), out var r) && r < bestRank) (best, bestRank) = (i, r);
            if (best < 0) break;
            var (first, second) = (symbols[best], symbols[best + 1]);
            var merged = new List<string>(symbols.Count);
            for (var i = 0; i < symbols.Count; i++)
            {
                if (i + 1 < symbols.Count && symbols[i] == first && symbols[i + 1] == second) { merged.Add(first + second); i++; }
                else merged.Add(symbols[i]);
            }
            symbols = merged;
        }
        var result = symbols.ToArray();
        if (Volatile.Read(ref _cachedWords) < MaxCachedWords && _cache.TryAdd(word, result)) Interlocked.Increment(ref _cachedWords);
        return result;
    }

    static string ToByteSymbols(string piece)
    {
        var sb = new StringBuilder(piece.Length);
        foreach (var b in Encoding.UTF8.GetBytes(piece)) sb.Append(ByteSymbols[b]);
        return sb.ToString();
    }

    // GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others for U+0100 onwards.
    static string[] BuildByteSymbols()
    {
        var symbols = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            symbols[b] = ((char)(printable ? b : next++)).ToString();
        }
        return symbols;
    }
}
