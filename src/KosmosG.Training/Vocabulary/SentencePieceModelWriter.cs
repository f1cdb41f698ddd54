using KosmosG.Tokenizers.SentencePiece;

namespace KosmosG.Training.Vocabulary;

/// <summary>One piece of a SentencePiece model, in id order.</summary>
public sealed record SentencePiece(string Piece, float Score, PieceType Type);

/// <summary>
/// Builds a SentencePiece BPE model (serialized ModelProto, what <see cref="SentencePieceModel"/> and python
/// sentencepiece load) in which every word of a list is one <c>▁word</c> piece. Layout as spm_train writes BPE
/// models: <c>&lt;unk&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, the merge results with scores 0, -1, -2, ... in merge
/// order, then the single characters (the words' characters by frequency, then the rest of printable ASCII) with
/// lower scores, so text outside the list still encodes as characters (and characters outside the alphabet as
/// <c>&lt;unk&gt;</c>). The normalizer is <c>identity</c> with the default dummy prefix, whitespace removal and
/// escaping; no byte fallback.
/// </summary>
public static class SentencePieceModelWriter
{
    public const string WordBoundary = "\u2581";
    const int BpeModelType = 2;

    /// <exception cref="InvalidOperationException">a word does not encode as its one piece (a bug, checked on the result).</exception>
    public static IReadOnlyList<SentencePiece> Build(IReadOnlyList<WordCount> words)
    {
        WordList.Validate(words);
        var units = words.Select(w => (Symbols: (IReadOnlyList<string>)Characters(WordBoundary + w.Word), w.Count)).ToList();
        var pieces = new List<SentencePiece> { new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control) };
        var known = new HashSet<string>(pieces.Select(p => p.Piece), StringComparer.Ordinal);
        var score = 0f;
        foreach (var merge in BpeLearner.Learn(units))
            if (known.Add(merge.Merged)) pieces.Add(new SentencePiece(merge.Merged, score--, PieceType.Normal));
        var frequency = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (symbols, count) in units)
            foreach (var c in symbols) frequency[c] = frequency.GetValueOrDefault(c) + count;
        var characters = frequency.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key)
            .Concat(Enumerable.Range('!', '~' - '!' + 1).Select(c => ((char)c).ToString()));
        foreach (var c in characters)
            if (known.Add(c)) pieces.Add(new SentencePiece(c, score--, PieceType.Normal));

        var model = SentencePieceModel.Parse(Serialize(pieces), "generated SentencePiece model");
        foreach (var (word, _) in words)
        {
            var encoded = model.EncodeAsPieces(word);
            if (encoded.Count != 1 || encoded[0] != WordBoundary + word)
                throw new InvalidOperationException($"generated SentencePiece model: '{word}' encodes as [{string.Join(", ", encoded)}], not one piece");
        }
        return pieces;
    }

    /// <summary>Writes the model file; returns its pieces in id order.</summary>
    public static IReadOnlyList<SentencePiece> Write(string path, IReadOnlyList<WordCount> words)
    {
        var pieces = Build(words);
        File.WriteAllBytes(path, Serialize(pieces));
        return pieces;
    }

    /// <summary>ModelProto: pieces (1), trainer_spec (2: model_type BPE, vocab_size), normalizer_spec (3).</summary>
    public static byte[] Serialize(IReadOnlyList<SentencePiece> pieces)
    {
        var proto = new ProtoWriter();
        foreach (var p in pieces)
        {
            var piece = new ProtoWriter().String(1, p.Piece).Float(2, p.Score);
            if (p.Type != PieceType.Normal) piece.Varint(3, (int)p.Type); // NORMAL is the proto default, as spm_train omits it
            proto.Message(1, piece);
        }
        proto.Message(2, new ProtoWriter().Varint(3, BpeModelType).Varint(4, pieces.Count));
        proto.Message(3, new ProtoWriter().String(1, "identity").Bool(3, true).Bool(4, true).Bool(5, true));
        return proto.ToArray();
    }

    /// <summary>Unicode scalar values, as SentencePiece splits text into characters.</summary>
    static List<string> Characters(string text)
    {
        var result = new List<string>();
        foreach (var rune in text.EnumerateRunes()) result.Add(rune.ToString());
        return result;
    }
}
