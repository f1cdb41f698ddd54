using KosmosG.Models.Diffusion;

namespace KosmosG.Models.Dino;

/// <summary>transformers' ViTConfig fields that shape DINO's ViT (defaults: ViT-S/16, torch.hub dino_vits16).</summary>
public sealed record ViTConfig
{
    /// <summary>DINO's own LayerNorm eps (vit_small: partial(nn.LayerNorm, eps=1e-6)). The published facebook/dino-vits16
    /// config.json says 1e-12, a ViTConfig default the conversion kept; the metric's torch.hub model uses this.</summary>
    public const double DinoLayerNormEps = 1e-6;

    public int HiddenSize { get; init; } = 384;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 6;
    public int IntermediateSize { get; init; } = 1536;
    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 16;
    public int NumChannels { get; init; } = 3;
    public bool QkvBias { get; init; } = true;
    public double LayerNormEps { get; init; } = DinoLayerNormEps;

    public int HeadDim => HiddenSize / NumAttentionHeads;
    public int GridSize => ImageSize / PatchSize;

    public void Validate()
    {
        if (HiddenSize <= 0 || NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        if (PatchSize <= 0 || ImageSize <= 0 || ImageSize % PatchSize != 0)
            throw new ArgumentException($"image_size {ImageSize} is not a multiple of patch_size {PatchSize}");
    }

    /// <summary>Reads a ViTModel config.json as written (layer_norm_eps included: callers decide whether DINO's applies).</summary>
    public static ViTConfig Load(string configJsonPath)
    {
        var c = DiffusersConfigReader.Load(configJsonPath);
        c.RequireDefault("hidden_act", "gelu");
        var d = new ViTConfig();
        var config = new ViTConfig
        {
            HiddenSize = c.Int("hidden_size", d.HiddenSize),
            NumHiddenLayers = c.Int("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = c.Int("num_attention_heads", d.NumAttentionHeads),
            IntermediateSize = c.Int("intermediate_size", d.IntermediateSize),
            ImageSize = c.Int("image_size", d.ImageSize),
            PatchSize = c.Int("patch_size", d.PatchSize),
            NumChannels = c.Int("num_channels", d.NumChannels),
            QkvBias = c.Bool("qkv_bias", d.QkvBias),
            LayerNormEps = c.Double("layer_norm_eps", 1e-12), // transformers' ViTConfig default
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"'{configJsonPath}': {e.Message}", e); }
        return config;
    }
}
