namespace KosmosG.Tokenizers.SentencePiece;

/// <summary>The ModelProto normalizer_spec fields the encoder uses (proto defaults: the three flags true).</summary>
public sealed record NormalizerSpec(
    string Name,
    byte[] PrecompiledCharsMap,
    bool AddDummyPrefix = true,
    bool RemoveExtraWhitespaces = true,
    bool EscapeWhitespaces = true);
