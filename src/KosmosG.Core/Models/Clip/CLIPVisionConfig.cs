using System.Text.Json;
using KosmosG.Models.Diffusion;

namespace KosmosG.Models.Clip;

/// <summary>transformers' CLIPVisionConfig (defaults: ViT-B/32 as in openai/clip-vit-base-patch32, whose config.json
/// stores only the values that differ from these).</summary>
public sealed record CLIPVisionConfig : CLIPEncoderConfig
{
    public CLIPVisionConfig()
    {
        HiddenSize = 768;
        IntermediateSize = 3072;
        NumHiddenLayers = 12;
        NumAttentionHeads = 12;
    }

    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 32;
    public int NumChannels { get; init; } = 3;

    /// <summary>Patches per side (7 for 224 / 32).</summary>
    public int GridSize => ImageSize / PatchSize;

    public override void Validate()
    {
        base.Validate();
        if (PatchSize <= 0 || ImageSize <= 0 || ImageSize % PatchSize != 0)
            throw new ArgumentException($"image_size {ImageSize} is not a multiple of patch_size {PatchSize}");
    }

    /// <summary>Reads the "vision_config" object of a CLIPModel config.json (or a CLIPVisionModel config.json itself).</summary>
    public static CLIPVisionConfig Load(string configJsonPath)
    {
        var c = ClipConfigSection.Read(configJsonPath, "vision_config");
        var d = new CLIPVisionConfig();
        var config = new CLIPVisionConfig
        {
            HiddenSize = c.Int("hidden_size", d.HiddenSize),
            IntermediateSize = c.Int("intermediate_size", d.IntermediateSize),
            NumHiddenLayers = c.Int("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = c.Int("num_attention_heads", d.NumAttentionHeads),
            ImageSize = c.Int("image_size", d.ImageSize),
            PatchSize = c.Int("patch_size", d.PatchSize),
            NumChannels = c.Int("num_channels", d.NumChannels),
            HiddenAct = c.String("hidden_act", d.HiddenAct),
            LayerNormEps = c.Double("layer_norm_eps", d.LayerNormEps),
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"'{configJsonPath}': {e.Message}", e); }
        return config;
    }
}

/// <summary>One sub-object of a CLIPModel config.json ("text_config", "vision_config"), or the whole file when it has none.</summary>
internal static class ClipConfigSection
{
    public static DiffusersConfigReader Read(string configJsonPath, string section)
    {
        if (!File.Exists(configJsonPath)) throw new FileNotFoundException($"config file not found: {configJsonPath}", configJsonPath);
        var json = File.ReadAllText(configJsonPath);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"'{configJsonPath}' is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(section, out var sub) && sub.ValueKind == JsonValueKind.Object
                ? DiffusersConfigReader.Parse(sub.GetRawText(), $"{configJsonPath} {section}")
                : DiffusersConfigReader.Parse(json, configJsonPath);
        }
    }
}
