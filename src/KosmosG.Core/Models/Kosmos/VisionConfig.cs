using KosmosG.Imaging;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KosmosG.Models.Kosmos;

/// <summary>The CLIP vision tower (open_clip ViT); defaults are ViT-L/14 at 224 px.</summary>
public sealed record VisionConfig
{
    [JsonPropertyName("image_size")] public int ImageSize { get; init; } = 224;
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 14;
    [JsonPropertyName("width")] public int Width { get; init; } = 1024;
    [JsonPropertyName("layers")] public int Layers { get; init; } = 24;
    [JsonPropertyName("heads")] public int Heads { get; init; } = 16;
    [JsonPropertyName("mlp_ratio")] public double MlpRatio { get; init; } = 4.0;
    [JsonPropertyName("act")] public string Act { get; init; } = "quick_gelu";
    [JsonPropertyName("layernorm_eps")] public double LayernormEps { get; init; } = 1e-5;
    [JsonPropertyName("mean")] public double[] Mean { get; init; } = [0.48145466, 0.4578275, 0.40821073];
    [JsonPropertyName("std")] public double[] Std { get; init; } = [0.26862954, 0.26130258, 0.27577711];

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>The official image transform for this tower: resize, center crop, normalise with mean/std.</summary>
    public ClipImagePreprocessor CreatePreprocessor() => new(ImageSize, Mean, Std);

    /// <summary>open_clip: int(width * mlp_ratio).</summary>
    [JsonIgnore] public int MlpWidth => (int)(Width * MlpRatio);

    /// <summary>Tokens per image: the class token plus one per patch.</summary>
    [JsonIgnore] public int Tokens => 1 + (ImageSize / PatchSize) * (ImageSize / PatchSize);
}
