using System.Text.Json;

namespace KosmosG.Models.Clip;

/// <summary>The fields of transformers' CLIPTextConfig that shape the text encoder (defaults as in transformers).</summary>
public sealed record CLIPTextConfig : CLIPEncoderConfig
{
    public CLIPTextConfig()
    {
        HiddenSize = 512;
        IntermediateSize = 2048;
        NumHiddenLayers = 12;
        NumAttentionHeads = 8;
    }

    public int MaxPositionEmbeddings { get; init; } = 77;
    public int VocabSize { get; init; } = 49408;

    /// <summary>Reads a text_encoder/config.json (or a full CLIPConfig's "text_config"); projection_dim and other
    /// fields that do not change the text transformer are ignored.</summary>
    public static CLIPTextConfig Load(string configJsonPath)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(configJsonPath)); }
        catch (JsonException e) { throw new InvalidDataException($"'{configJsonPath}' is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object)
                root = text;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"'{configJsonPath}' is not a JSON object");
            var d = new CLIPTextConfig();
            int Int(string name, int fallback) => !root.TryGetProperty(name, out var v) ? fallback
                : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i > 0 ? i
                : throw new InvalidDataException($"'{configJsonPath}': {name} must be a positive integer, got {v.GetRawText()}");
            var config = new CLIPTextConfig
            {
                HiddenSize = Int("hidden_size", d.HiddenSize),
                IntermediateSize = Int("intermediate_size", d.IntermediateSize),
                NumHiddenLayers = Int("num_hidden_layers", d.NumHiddenLayers),
                NumAttentionHeads = Int("num_attention_heads", d.NumAttentionHeads),
                MaxPositionEmbeddings = Int("max_position_embeddings", d.MaxPositionEmbeddings),
                VocabSize = Int("vocab_size", d.VocabSize),
                HiddenAct = !root.TryGetProperty("hidden_act", out var act) ? d.HiddenAct
                    : act.ValueKind == JsonValueKind.String ? act.GetString()!
                    : throw new InvalidDataException($"'{configJsonPath}': hidden_act must be a string"),
                LayerNormEps = !root.TryGetProperty("layer_norm_eps", out var eps) ? d.LayerNormEps
                    : eps.ValueKind == JsonValueKind.Number && eps.GetDouble() > 0 ? eps.GetDouble()
                    : throw new InvalidDataException($"'{configJsonPath}': layer_norm_eps must be a positive number"),
            };
            try { config.Validate(); }
            catch (ArgumentException e) { throw new InvalidDataException($"'{configJsonPath}': {e.Message}", e); }
            return config;
        }
    }
}
