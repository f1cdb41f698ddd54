namespace KosmosG.Models.Diffusion;

/// <summary>The diffusers AutoencoderKL config.json (Stable Diffusion's VAE).</summary>
public sealed record AutoencoderKLConfig
{
    public int InChannels { get; init; } = 3;
    public int OutChannels { get; init; } = 3;
    public required int[] BlockOutChannels { get; init; }
    /// <summary>Resnets per encoder block (decoder blocks have one more).</summary>
    public int LayersPerBlock { get; init; } = 1;
    public int LatentChannels { get; init; } = 4;
    public int NormNumGroups { get; init; } = 32;
    /// <summary>Latents are divided by this before decoding (and multiplied after encoding) by the pipeline.</summary>
    public double ScalingFactor { get; init; } = 0.18215;
    /// <summary>diffusers runs this VAE in float32 when the pipeline is fp16 (its decoder overflows in fp16).</summary>
    public bool ForceUpcast { get; init; } = true;
    public int? SampleSize { get; init; }

    public static AutoencoderKLConfig Load(string configJsonPath) => From(DiffusersConfigReader.Load(configJsonPath));

    /// <summary>Parses config.json text; <paramref name="source"/> names it in error messages.</summary>
    public static AutoencoderKLConfig Parse(string json, string source = "config.json") => From(DiffusersConfigReader.Parse(json, source));

    static AutoencoderKLConfig From(DiffusersConfigReader r)
    {
        var act = r.String("act_fn", "silu");
        if (act != "silu") throw r.Error("act_fn", $"= \"{act}\" is not supported (only \"silu\")");
        r.RequireDefault("use_quant_conv", true);
        r.RequireDefault("use_post_quant_conv", true);
        r.RequireDefault("mid_block_add_attention", true);
        r.RequireDefault("shift_factor", null);
        var blocks = r.IntList("block_out_channels");
        foreach (var (key, kind) in new[] { ("down_block_types", "DownEncoderBlock2D"), ("up_block_types", "UpDecoderBlock2D") })
        {
            var types = r.StringList(key);
            if (types.Length != blocks.Length) throw r.Error(key, $"has {types.Length} entries, block_out_channels {blocks.Length}");
            if (types.FirstOrDefault(t => t != kind) is { } other) throw r.Error(key, $"contains '{other}'; only {kind} is supported");
        }
        var config = new AutoencoderKLConfig
        {
            InChannels = r.Int("in_channels", 3),
            OutChannels = r.Int("out_channels", 3),
            BlockOutChannels = blocks,
            LayersPerBlock = r.Int("layers_per_block", 1),
            LatentChannels = r.Int("latent_channels", 4),
            NormNumGroups = r.Int("norm_num_groups", 32),
            ScalingFactor = r.Double("scaling_factor", 0.18215),
            ForceUpcast = r.Bool("force_upcast", true),
            SampleSize = r.OptionalInt("sample_size"),
        };
        config.Validate(r.Source);
        return config;
    }

    /// <summary>Checks that the settings describe a buildable network; <paramref name="source"/> names the config.</summary>
    public void Validate(string source = "AutoencoderKLConfig")
    {
        void Check(bool ok, string message)
        {
            if (!ok) throw new InvalidDataException($"config '{source}': {message}");
        }
        Check(BlockOutChannels.Length > 0, "block_out_channels is empty");
        Check(InChannels > 0 && OutChannels > 0 && LatentChannels > 0 && LayersPerBlock > 0 && NormNumGroups > 0,
            "in_channels, out_channels, latent_channels, layers_per_block and norm_num_groups must be positive");
        for (var i = 0; i < BlockOutChannels.Length; i++)
            Check(BlockOutChannels[i] > 0 && BlockOutChannels[i] % NormNumGroups == 0,
                $"block_out_channels[{i}] = {BlockOutChannels[i]} is not a positive multiple of norm_num_groups {NormNumGroups}");
        Check(ScalingFactor > 0, $"scaling_factor must be positive, got {ScalingFactor}");
    }
}
