namespace KosmosG.Models.Diffusion;

/// <summary>
/// The diffusers UNet2DConditionModel config.json subset that Stable Diffusion 1.x/2.x style U-Nets use.
/// Per-block settings are expanded to one value per down block (index i = down block i; up block i mirrors
/// down block n-1-i). Settings that would change the network in ways not implemented here are rejected on load.
/// </summary>
public sealed record UNet2DConditionConfig
{
    static readonly string[] DownBlockKinds = ["CrossAttnDownBlock2D", "DownBlock2D"];
    static readonly string[] UpBlockKinds = ["CrossAttnUpBlock2D", "UpBlock2D"];

    public int InChannels { get; init; } = 4;
    public int OutChannels { get; init; } = 4;
    public required int[] BlockOutChannels { get; init; }
    public required string[] DownBlockTypes { get; init; }
    public required string[] UpBlockTypes { get; init; }
    /// <summary>Resnets per down block (up blocks have one more).</summary>
    public required int[] LayersPerBlock { get; init; }
    /// <summary>
    /// Attention heads per down block. diffusers reads them from num_attention_heads, or - as in the SD 1.5
    /// config, for historical reasons - from attention_head_dim; each head's size is channels / heads.
    /// </summary>
    public required int[] AttentionHeads { get; init; }
    public required int[] CrossAttentionDim { get; init; }
    public required int[] TransformerLayersPerBlock { get; init; }
    /// <summary>Transformer layers per up block (defaults to the down blocks' values reversed).</summary>
    public required int[] ReverseTransformerLayersPerBlock { get; init; }
    public int NormNumGroups { get; init; } = 32;
    public double NormEps { get; init; } = 1e-5;
    public bool FlipSinToCos { get; init; } = true;
    public double FreqShift { get; init; }
    public double MidBlockScaleFactor { get; init; } = 1;
    public int DownsamplePadding { get; init; } = 1;
    public bool CenterInputSample { get; init; }
    public int? SampleSize { get; init; }
    public bool UseLinearProjection { get; init; }
    /// <summary>
    /// Kept for completeness: like diffusers' scaled-dot-product processor, attention here goes through SDPA,
    /// whose reduced-precision kernels accumulate in float32 anyway, so the flag changes nothing.
    /// </summary>
    public bool UpcastAttention { get; init; }

    public int TimeEmbedDim => BlockOutChannels[0] * 4;

    public static UNet2DConditionConfig Load(string configJsonPath) => From(DiffusersConfigReader.Load(configJsonPath));

    /// <summary>Parses config.json text; <paramref name="source"/> names it in error messages.</summary>
    public static UNet2DConditionConfig Parse(string json, string source = "config.json") => From(DiffusersConfigReader.Parse(json, source));

    /// <param name="upBlockTypes">Used when the config has none (a ControlNet config describes only the encoder half).</param>
    internal static UNet2DConditionConfig From(DiffusersConfigReader r, string[]? upBlockTypes = null)
    {
        var act = r.String("act_fn", "silu");
        if (act != "silu") throw r.Error("act_fn", $"= \"{act}\" is not supported (only \"silu\")");
        r.RequireDefault("mid_block_type", "UNetMidBlock2DCrossAttn");
        foreach (var key in new[]
                 {
                     "encoder_hid_dim", "encoder_hid_dim_type", "class_embed_type", "addition_embed_type", "addition_time_embed_dim",
                     "num_class_embeds", "time_embedding_dim", "time_embedding_act_fn", "timestep_post_act", "time_cond_proj_dim",
                     "projection_class_embeddings_input_dim", "cross_attention_norm", "mid_block_only_cross_attention",
                 })
            r.RequireDefault(key, null);
        r.RequireDefault("only_cross_attention", false);
        r.RequireDefault("dual_cross_attention", false);
        r.RequireDefault("class_embeddings_concat", false);
        r.RequireDefault("resnet_time_scale_shift", "default");
        r.RequireDefault("resnet_skip_time_act", false);
        r.RequireDefault("resnet_out_scale_factor", 1.0);
        r.RequireDefault("time_embedding_type", "positional");
        r.RequireDefault("attention_type", "default");
        r.RequireDefault("conv_in_kernel", 3);
        r.RequireDefault("conv_out_kernel", 3);

        var blocks = r.IntList("block_out_channels");
        var n = blocks.Length;
        var transformerLayers = r.PerBlock("transformer_layers_per_block", n) ?? Enumerable.Repeat(1, n).ToArray();
        var config = new UNet2DConditionConfig
        {
            InChannels = r.Int("in_channels", 4),
            OutChannels = r.Int("out_channels", 4),
            BlockOutChannels = blocks,
            DownBlockTypes = r.StringList("down_block_types"),
            UpBlockTypes = upBlockTypes ?? r.StringList("up_block_types"),
            LayersPerBlock = r.PerBlock("layers_per_block", n) ?? Enumerable.Repeat(2, n).ToArray(),
            AttentionHeads = r.PerBlock("num_attention_heads", n) ?? r.PerBlock("attention_head_dim", n) ?? Enumerable.Repeat(8, n).ToArray(),
            CrossAttentionDim = r.PerBlock("cross_attention_dim", n) ?? Enumerable.Repeat(1280, n).ToArray(),
            TransformerLayersPerBlock = transformerLayers,
            ReverseTransformerLayersPerBlock = r.PerBlock("reverse_transformer_layers_per_block", n) ?? transformerLayers.Reverse().ToArray(),
            NormNumGroups = r.Int("norm_num_groups", 32),
            NormEps = r.Double("norm_eps", 1e-5),
            FlipSinToCos = r.Bool("flip_sin_to_cos", true),
            FreqShift = r.Double("freq_shift", 0),
            MidBlockScaleFactor = r.Double("mid_block_scale_factor", 1),
            DownsamplePadding = r.Int("downsample_padding", 1),
            CenterInputSample = r.Bool("center_input_sample", false),
            SampleSize = r.OptionalInt("sample_size"),
            UseLinearProjection = r.Bool("use_linear_projection", false),
            UpcastAttention = r.Bool("upcast_attention", false),
        };
        config.Validate(r.Source);
        return config;
    }

    /// <summary>Checks that the settings describe a buildable network; <paramref name="source"/> names the config.</summary>
    public void Validate(string source = "UNet2DConditionConfig")
    {
        var n = BlockOutChannels.Length;
        void Check(bool ok, string message)
        {
            if (!ok) throw new InvalidDataException($"config '{source}': {message}");
        }
        Check(n > 0, "block_out_channels is empty");
        Check(DownBlockTypes.Length == n, $"down_block_types has {DownBlockTypes.Length} entries, block_out_channels {n}");
        Check(UpBlockTypes.Length == n, $"up_block_types has {UpBlockTypes.Length} entries, block_out_channels {n}");
        foreach (var (name, values) in new[]
                 {
                     ("layers_per_block", LayersPerBlock), ("attention heads", AttentionHeads), ("cross_attention_dim", CrossAttentionDim),
                     ("transformer_layers_per_block", TransformerLayersPerBlock), ("reverse_transformer_layers_per_block", ReverseTransformerLayersPerBlock),
                 })
        {
            Check(values.Length == n, $"{name} has {values.Length} entries, expected one per block ({n})");
            Check(values.All(v => v > 0), $"{name} must be positive, got [{string.Join(", ", values)}]");
        }
        Check(InChannels > 0 && OutChannels > 0 && NormNumGroups > 0, "in_channels, out_channels and norm_num_groups must be positive");
        foreach (var t in DownBlockTypes)
            Check(DownBlockKinds.Contains(t), $"down block type '{t}' is not supported (only {string.Join(", ", DownBlockKinds)})");
        foreach (var t in UpBlockTypes)
            Check(UpBlockKinds.Contains(t), $"up block type '{t}' is not supported (only {string.Join(", ", UpBlockKinds)})");
        for (var i = 0; i < n; i++)
        {
            var c = BlockOutChannels[i];
            Check(c > 0 && c % NormNumGroups == 0, $"block_out_channels[{i}] = {c} is not a positive multiple of norm_num_groups {NormNumGroups}");
            Check(c % AttentionHeads[i] == 0, $"block_out_channels[{i}] = {c} is not divisible by its {AttentionHeads[i]} attention heads");
        }
    }
}
