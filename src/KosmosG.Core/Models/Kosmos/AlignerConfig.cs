using System.Text.Json;
using System.Text.Json.Serialization;

namespace KosmosG.Models.Kosmos;

/// <summary>AlignerNet (torchscale EncoderDecoderConfig defaults as hard-coded by the official aligner.py).</summary>
public sealed record AlignerConfig
{
    [JsonPropertyName("layers")] public int Layers { get; init; } = 12;
    /// <summary>Output width = the U-Net's cross_attention_dim (768 for SD v1.5).</summary>
    [JsonPropertyName("embed_dim")] public int EmbedDim { get; init; } = 768;
    [JsonPropertyName("heads")] public int Heads { get; init; } = 12;
    [JsonPropertyName("ffn_embed_dim")] public int FfnEmbedDim { get; init; } = 3072;
    /// <summary>Learned queries = length of the condition sequence handed to the U-Net.</summary>
    [JsonPropertyName("num_queries")] public int NumQueries { get; init; } = 77;
    /// <summary>Rows of the learned position tables (and of the stage-2 decoder query table).</summary>
    [JsonPropertyName("max_positions")] public int MaxPositions { get; init; } = 32768;
    /// <summary>torchscale PositionalEmbedding starts at row 2, like fairseq.</summary>
    [JsonPropertyName("position_offset")] public int PositionOffset { get; init; } = 2;
    [JsonPropertyName("layernorm_eps")] public double LayernormEps { get; init; } = 1e-5;
    [JsonPropertyName("activation_fn")] public string ActivationFn { get; init; } = "gelu";

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>Longest MLLM sequence the learned position table can index.</summary>
    [JsonIgnore] public int MaxSequenceLength => MaxPositions - PositionOffset;
}
