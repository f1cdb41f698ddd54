using System.Text;

namespace KosmosG.Tokenizers.SentencePiece;

/// <summary>
/// A standalone, exact port of SentencePiece 0.1.97 BPE encoding (<c>encode(text, out_type=str)</c>):
/// normalisation as <see cref="SentencePieceNormalizer"/>, then BPE that repeatedly merges the adjacent
/// pair whose merged piece has the highest score (ties: left-most), re-splitting UNUSED pieces, and
/// finally merging runs of unknown pieces into one. Byte fallback is not supported (rejected at load).
/// </summary>
public sealed class SentencePieceModel
{
    readonly string[] _pieces;
    readonly float[] _scores;
    readonly PieceType[] _types;
    readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _normalPieces;   // NORMAL, USER_DEFINED, UNUSED
    readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _reservedPieces; // UNKNOWN, CONTROL, BYTE
    readonly int _unkId;
    readonly UserDefinedMatcher _userDefined;
    readonly SentencePieceNormalizer _normalizer;

    public NormalizerSpec Normalizer { get; }
    public int Count => _pieces.Length;
    public string IdToPiece(int id) => _pieces[id];
    public PieceType TypeOf(int id) => _types[id];

    SentencePieceModel(List<(string Piece, float Score, PieceType Type)> pieces, NormalizerSpec normalizer, string source)
    {
        _pieces = pieces.Select(p => p.Piece).ToArray();
        _scores = pieces.Select(p => p.Score).ToArray();
        _types = pieces.Select(p => p.Type).ToArray();
        var normal = new Dictionary<byte[], int>(ByteSequenceComparer.Instance);
        var reserved = new Dictionary<byte[], int>(ByteSequenceComparer.Instance);
        _unkId = -1;
        for (var id = 0; id < pieces.Count; id++)
        {
            var (piece, _, type) = pieces[id];
            if (piece.Length == 0) throw new InvalidDataException($"{source}: piece {id} is empty");
            var isNormal = type is PieceType.Normal or PieceType.UserDefined or PieceType.Unused;
            if (!(isNormal ? normal : reserved).TryAdd(Encoding.UTF8.GetBytes(piece), id))
                throw new InvalidDataException($"{source}: piece '{piece}' (id {id}) is defined twice");
            if (type == PieceType.Unknown)
            {
                if (_unkId >= 0) throw new InvalidDataException($"{source}: more than one unknown piece (ids {_unkId} and {id})");
                _unkId = id;
            }
        }
        if (_unkId < 0) throw new InvalidDataException($"{source}: no piece of type UNKNOWN");
        _normalPieces = normal.GetAlternateLookup<ReadOnlySpan<byte>>();
        _reservedPieces = reserved.GetAlternateLookup<ReadOnlySpan<byte>>();
        _userDefined = new UserDefinedMatcher(pieces.Where(p => p.Type == PieceType.UserDefined).Select(p => Encoding.UTF8.GetBytes(p.Piece)));
        Normalizer = normalizer;
        var charsMap = normalizer.PrecompiledCharsMap.Length > 0 ? new PrecompiledCharsMap(normalizer.PrecompiledCharsMap) : null;
        _normalizer = new SentencePieceNormalizer(normalizer, charsMap, _userDefined);
    }

    public static SentencePieceModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"SentencePiece model not found: {path}", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses a serialized ModelProto; <paramref name="source"/> names it in error messages.</summary>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> modelProto, string source)
    {
        var (pieces, normalizer) = ModelProtoParser.Parse(modelProto, source);
        return new SentencePieceModel(pieces, normalizer, source);
    }

    public IReadOnlyList<string> EncodeAsPieces(string text)
    {
        var normalized = _normalizer.Normalize(Encoding.UTF8.GetBytes(text));
        var pieces = new List<string>();
        int? unknownStart = null;
        var unknownEnd = 0;
        foreach (var (start, length) in Bpe(normalized))
        {
            var span = normalized.AsSpan(start, length);
            if (PieceToId(span) == _unkId)
            {
                // Runs of unknown pieces come out as one piece (they are contiguous in the normalised text).
                unknownStart ??= start;
                unknownEnd = start + length;
                continue;
            }
            FlushUnknown();
            pieces.Add(Encoding.UTF8.GetString(span));
        }
        FlushUnknown();
        return pieces;

        void FlushUnknown()
        {
            if (unknownStart is not { } s) return;
            pieces.Add(Encoding.UTF8.GetString(normalized, s, unknownEnd - s));
            unknownStart = null;
        }
    }

    int PieceToId(ReadOnlySpan<byte> piece) =>
        _reservedPieces.TryGetValue(piece, out var id) || _normalPieces.TryGetValue(piece, out id) ? id : _unkId;

    struct Symbol
    {
        public int Start, Length, Prev, Next;
        public bool Frozen;
    }

    /// <summary>BPE over the normalised bytes; yields (start, length) of each final piece in order.</summary>
    List<(int Start, int Length)> Bpe(byte[] text)
    {
        var symbols = new List<Symbol>();
        for (var pos = 0; pos < text.Length;)
        {
            var length = _userDefined.Match(text.AsSpan(pos), out var frozen);
            var index = symbols.Count;
            symbols.Add(new Symbol { Start = pos, Length = length, Prev = index - 1, Next = pos + length < text.Length ? index + 1 : -1, Frozen = frozen });
            pos += length;
        }
        var result = new List<(int, int)>();
        if (symbols.Count == 0) return result;
        var sym = symbols.ToArray();

        // Highest score first; equal scores: the left-most pair (SentencePiece's SymbolPairComparator).
        var agenda = new PriorityQueue<(int Left, int Right, int Size), (float Score, int Left)>(
            Comparer<(float Score, int Left)>.Create((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Left.CompareTo(b.Left)));
        var unusedSplits = new Dictionary<byte[], ((int, int) Left, (int, int) Right)>(ByteSequenceComparer.Instance);

        void MaybeAddPair(int left, int right)
        {
            if (left < 0 || right < 0 || sym[left].Frozen || sym[right].Frozen) return;
            var merged = text.AsSpan(sym[left].Start, sym[left].Length + sym[right].Length);
            if (!_normalPieces.TryGetValue(merged, out var id)) return;
            agenda.Enqueue((left, right, merged.Length), (_scores[id], left));
            if (_types[id] == PieceType.Unused)
                unusedSplits[merged.ToArray()] = ((sym[left].Start, sym[left].Length), (sym[right].Start, sym[right].Length));
        }

        for (var i = 1; i < sym.Length; i++) MaybeAddPair(i - 1, i);

        while (agenda.TryDequeue(out var top, out _))
        {
            ref var left = ref sym[top.Left];
            ref var right = ref sym[top.Right];
            // Stale entry: one side was merged away or grew since the pair was queued.
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != top.Size) continue;
            left.Length += right.Length;
            left.Next = right.Next;
            if (right.Next >= 0) sym[right.Next].Prev = top.Left;
            right.Length = 0;
            MaybeAddPair(left.Prev, top.Left);
            MaybeAddPair(top.Left, left.Next);
        }

        void Resegment(int start, int length)
        {
            var piece = text.AsSpan(start, length);
            var id = PieceToId(piece);
            if (_types[id] != PieceType.Unused || !unusedSplits.TryGetValue(piece.ToArray(), out var split))
            {
                result.Add((start, length));
                return;
            }
            Resegment(split.Left.Item1, split.Left.Item2);
            Resegment(split.Right.Item1, split.Right.Item2);
        }

        for (var index = 0; index != -1; index = sym[index].Next) Resegment(sym[index].Start, sym[index].Length);
        return result;
    }
}
