using System.Text.Json;
using System.Text.Json.Serialization;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// KOSMOS-G hyper-parameters under their official fairseq argument names (plus nested <c>vision</c>,
/// <c>aligner</c>, <c>connector</c> objects), as in tests/fixtures/kosmosg-tiny/config.json. Every absent value
/// takes the official <c>kosmosg_xl</c> value, so <c>{}</c> describes the released model. Keys this class does
/// not model (special token ids, tokenizer facts, ...) are kept and written back by <see cref="Save"/>.
/// </summary>
public sealed record KosmosGConfig
{
    [JsonPropertyName("decoder_layers")] public int DecoderLayers { get; init; } = 24;
    [JsonPropertyName("decoder_embed_dim")] public int DecoderEmbedDim { get; init; } = 2048;
    [JsonPropertyName("decoder_attention_heads")] public int DecoderAttentionHeads { get; init; } = 32;
    [JsonPropertyName("decoder_ffn_embed_dim")] public int DecoderFfnEmbedDim { get; init; } = 8192;
    /// <summary>tokens_per_sample of the task; sinusoidal positions themselves have no hard limit.</summary>
    [JsonPropertyName("max_target_positions")] public int MaxTargetPositions { get; init; } = 2048;
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 64007;
    [JsonPropertyName("latent_query_num")] public int LatentQueryNum { get; init; } = 64;
    /// <summary>Image-embedding slots per image in the token sequence; must equal latent_query_num.</summary>
    [JsonPropertyName("image_token_length")] public int ImageTokenLength { get; init; } = 64;
    [JsonPropertyName("layernorm_eps")] public double LayernormEps { get; init; } = 1e-5;
    [JsonPropertyName("activation_fn")] public string ActivationFn { get; init; } = "gelu";
    [JsonPropertyName("subln")] public bool Subln { get; init; } = true;
    [JsonPropertyName("no_scale_embedding")] public bool NoScaleEmbedding { get; init; }
    [JsonPropertyName("share_decoder_input_output_embed")] public bool ShareDecoderInputOutputEmbed { get; init; } = true;
    [JsonPropertyName("decoder_learned_pos")] public bool DecoderLearnedPos { get; init; }
    /// <summary>fairseq dictionary pad id: sinusoidal positions start after it and the AlignerNet masks it.</summary>
    [JsonPropertyName("padding_idx")] public int PaddingIdx { get; init; } = 1;

    [JsonPropertyName("vision")] public VisionConfig Vision { get; init; } = new();
    [JsonPropertyName("aligner")] public AlignerConfig Aligner { get; init; } = new();
    [JsonPropertyName("connector")] public ConnectorConfig Connector { get; init; } = new();

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>The official kosmosg_xl preset (a fresh instance).</summary>
    public static KosmosGConfig XL => new();

    /// <summary>The MLLM embedding multiplier: sqrt(decoder_embed_dim) unless no_scale_embedding.</summary>
    [JsonIgnore] public double EmbedScale => NoScaleEmbedding ? 1.0 : Math.Sqrt(DecoderEmbedDim);

    /// <summary>Cross-attention heads of the connector (fairseq builds it with decoder_attention_heads).</summary>
    [JsonIgnore] public int ConnectorHeads => Connector.Heads ?? DecoderAttentionHeads;

    static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    public static KosmosGConfig Load(string configJsonPath)
    {
        if (!File.Exists(configJsonPath))
            throw new FileNotFoundException($"KOSMOS-G config not found: {configJsonPath}", configJsonPath);
        KosmosGConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<KosmosGConfig>(File.ReadAllText(configJsonPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"KOSMOS-G config '{configJsonPath}': invalid value at {e.Path ?? "?"}: {e.Message}", e);
        }
        if (config is null) throw new InvalidDataException($"KOSMOS-G config '{configJsonPath}' is null");
        config.Validate(configJsonPath);
        return config;
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, WriteOptions));

    /// <summary>Checks every constraint the modules rely on; the message names the offending key.</summary>
    public void Validate(string? source = null)
    {
        var where = source is null ? "KOSMOS-G config" : $"KOSMOS-G config '{source}'";
        void Require(bool ok, string message)
        {
            if (!ok) throw new InvalidDataException($"{where}: {message}");
        }
        static bool Divides(int heads, int width) => heads > 0 && width % heads == 0;

        Require(DecoderLayers > 0, $"decoder_layers must be positive (got {DecoderLayers})");
        Require(DecoderEmbedDim >= 4, $"decoder_embed_dim must be at least 4 (got {DecoderEmbedDim})");
        Require(Divides(DecoderAttentionHeads, DecoderEmbedDim),
            $"decoder_attention_heads ({DecoderAttentionHeads}) must be positive and divide decoder_embed_dim ({DecoderEmbedDim})");
        Require(DecoderFfnEmbedDim > 0, $"decoder_ffn_embed_dim must be positive (got {DecoderFfnEmbedDim})");
        Require(MaxTargetPositions > 0, $"max_target_positions must be positive (got {MaxTargetPositions})");
        Require(VocabSize > PaddingIdx && PaddingIdx >= 0, $"vocab_size ({VocabSize}) must exceed padding_idx ({PaddingIdx}) >= 0");
        Require(LatentQueryNum > 0, $"latent_query_num must be positive (got {LatentQueryNum})");
        Require(ImageTokenLength == LatentQueryNum,
            $"image_token_length ({ImageTokenLength}) must equal latent_query_num ({LatentQueryNum}): each image fills that many slots");
        Require(LayernormEps > 0, $"layernorm_eps must be positive (got {LayernormEps})");
        Require(ActivationFn == "gelu", $"activation_fn '{ActivationFn}' is not supported (KOSMOS-G uses gelu)");
        Require(Subln, "subln=false is not supported (KOSMOS-G is a sub-LN / Magneto model)");
        Require(ShareDecoderInputOutputEmbed, "share_decoder_input_output_embed=false is not supported (the output projection is tied)");
        Require(!DecoderLearnedPos, "decoder_learned_pos=true is not supported (KOSMOS-G uses sinusoidal positions)");

        Require(Vision is not null, "vision must be an object");
        Require(Vision!.ImageSize > 0 && Vision.PatchSize > 0 && Vision.ImageSize % Vision.PatchSize == 0,
            $"vision.image_size ({Vision.ImageSize}) must be a positive multiple of vision.patch_size ({Vision.PatchSize})");
        Require(Vision.Layers > 0, $"vision.layers must be positive (got {Vision.Layers})");
        Require(Divides(Vision.Heads, Vision.Width), $"vision.heads ({Vision.Heads}) must be positive and divide vision.width ({Vision.Width})");
        Require(Vision.MlpRatio > 0 && Vision.MlpWidth > 0, $"vision.mlp_ratio ({Vision.MlpRatio}) must give a positive MLP width");
        Require(Vision.Act == "quick_gelu", $"vision.act '{Vision.Act}' is not supported (KOSMOS-G forces quick_gelu)");
        Require(Vision.LayernormEps > 0, $"vision.layernorm_eps must be positive (got {Vision.LayernormEps})");
        Require(Vision.Mean is { Length: 3 } && Vision.Std is { Length: 3 } && Vision.Std.All(s => s > 0),
            "vision.mean and vision.std must hold 3 values (std positive)");

        Require(Aligner is not null, "aligner must be an object");
        Require(Aligner!.Layers > 0, $"aligner.layers must be positive (got {Aligner.Layers})");
        Require(Divides(Aligner.Heads, Aligner.EmbedDim), $"aligner.heads ({Aligner.Heads}) must be positive and divide aligner.embed_dim ({Aligner.EmbedDim})");
        Require(Aligner.FfnEmbedDim > 0, $"aligner.ffn_embed_dim must be positive (got {Aligner.FfnEmbedDim})");
        Require(Aligner.NumQueries > 0, $"aligner.num_queries must be positive (got {Aligner.NumQueries})");
        Require(Aligner.PositionOffset >= 0 && Aligner.MaxPositions > Aligner.PositionOffset,
            $"aligner.max_positions ({Aligner.MaxPositions}) must exceed aligner.position_offset ({Aligner.PositionOffset}) >= 0");
        Require(Aligner.LayernormEps > 0, $"aligner.layernorm_eps must be positive (got {Aligner.LayernormEps})");
        Require(Aligner.ActivationFn == "gelu", $"aligner.activation_fn '{Aligner.ActivationFn}' is not supported (torchscale default gelu)");

        Require(Connector is not null, "connector must be an object");
        Require(Connector!.Type == "xconnector", $"connector.type '{Connector.Type}' is not supported (KOSMOS-G uses xconnector)");
        Require(Divides(ConnectorHeads, DecoderEmbedDim),
            $"connector.heads ({ConnectorHeads}) must be positive and divide decoder_embed_dim ({DecoderEmbedDim})");
    }
}
