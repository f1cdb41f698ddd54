namespace KosmosG.Tokenizers.SentencePiece;

/// <summary>
/// Reads the parts of a serialized SentencePiece ModelProto the encoder needs: pieces (piece, score,
/// type), trainer_spec.model_type (must be BPE) and normalizer_spec. Options the encoder does not
/// implement (byte_fallback, treat_whitespace_as_suffix) are rejected rather than silently ignored.
/// </summary>
internal static class ModelProtoParser
{
    public static (List<(string Piece, float Score, PieceType Type)> Pieces, NormalizerSpec Normalizer) Parse(ReadOnlySpan<byte> modelProto, string source)
    {
        var pieces = new List<(string Piece, float Score, PieceType Type)>();
        NormalizerSpec? normalizer = null;
        var modelType = 1; // proto default: UNIGRAM
        var reader = new ProtoReader(modelProto, source);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == 2) pieces.Add(ParsePiece(reader.ReadBytes(), source));
            else if (field == 2 && wire == 2) modelType = ParseTrainerSpec(reader.ReadBytes(), source);
            else if (field == 3 && wire == 2) normalizer = ParseNormalizerSpec(reader.ReadBytes(), source);
            else reader.Skip(wire);
        }
        if (modelType != 2) throw new InvalidDataException($"{source}: model_type {modelType} is not BPE (2); only BPE models are supported");
        if (pieces.Count == 0) throw new InvalidDataException($"{source}: the model has no pieces");
        return (pieces, normalizer ?? new NormalizerSpec("", []));
    }

    static (string, float, PieceType) ParsePiece(ReadOnlySpan<byte> data, string source)
    {
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        var reader = new ProtoReader(data, source + " (pieces)");
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == 2) piece = reader.ReadString();
            else if (field == 2 && wire == 5) score = reader.ReadFloat();
            else if (field == 3 && wire == 0) type = (PieceType)(int)reader.ReadVarint();
            else reader.Skip(wire);
        }
        if (!Enum.IsDefined(type)) throw new InvalidDataException($"{source}: piece '{piece}' has unknown type {(int)type}");
        return (piece, score, type);
    }

    static int ParseTrainerSpec(ReadOnlySpan<byte> data, string source)
    {
        var modelType = 1;
        var reader = new ProtoReader(data, source + " (trainer_spec)");
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (3, 0): modelType = (int)reader.ReadVarint(); break;
                case (24 or 35, 0):
                    if (reader.ReadVarint() != 0)
                        throw new InvalidDataException($"{source}: {(field == 24 ? "treat_whitespace_as_suffix" : "byte_fallback")} is not supported");
                    break;
                default: reader.Skip(wire); break;
            }
        }
        return modelType;
    }

    static NormalizerSpec ParseNormalizerSpec(ReadOnlySpan<byte> data, string source)
    {
        var spec = new NormalizerSpec("", []);
        var reader = new ProtoReader(data, source + " (normalizer_spec)");
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (1, 2): spec = spec with { Name = reader.ReadString() }; break;
                case (2, 2): spec = spec with { PrecompiledCharsMap = reader.ReadBytes().ToArray() }; break;
                case (3, 0): spec = spec with { AddDummyPrefix = reader.ReadVarint() != 0 }; break;
                case (4, 0): spec = spec with { RemoveExtraWhitespaces = reader.ReadVarint() != 0 }; break;
                case (5, 0): spec = spec with { EscapeWhitespaces = reader.ReadVarint() != 0 }; break;
                default: reader.Skip(wire); break;
            }
        }
        return spec;
    }
}
