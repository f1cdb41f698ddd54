using System.Text.Json;
using System.Text.Json.Serialization;

namespace KosmosG.Models.Kosmos;

/// <summary>The image-to-MLLM connector (XConnector: one latent-query cross-attention layer).</summary>
public sealed record ConnectorConfig
{
    [JsonPropertyName("type")] public string Type { get; init; } = "xconnector";

    /// <summary>Attention heads; absent means decoder_attention_heads (what the official code passes: 32 for XL).</summary>
    [JsonPropertyName("heads")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Heads { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }
}
