using System.Text.RegularExpressions;
using KosmosG.Models.Diffusion;

namespace KosmosG.Weights.SingleFile;

/// <summary>
/// The original (CompVis LDM / cldm) name of a diffusers U-Net, ControlNet or VAE key, following LDM's block
/// construction for the given config (any layers_per_block): input_blocks/middle_block/output_blocks with resnets as
/// in_layers/emb_layers/out_layers, the VAE's down/up levels (decoder levels reversed) and mid.attn_1, the ControlNet's
/// input_hint_block/zero_convs/middle_block_out. The inverse of what diffusers' convert_ldm_*_checkpoint reads.
/// </summary>
public static partial class LdmKeys
{
    public static string Unet(string key, UNet2DConditionConfig config)
    {
        var layers = config.LayersPerBlock;
        var n = layers.Length;
        int DownStart(int b) => 1 + Enumerable.Range(0, b).Sum(j => layers[j] + 1);
        int UpStart(int i) => Enumerable.Range(0, i).Sum(k => layers[n - 1 - k] + 1);

        if (Match(UnetKey(), key) is not { } m) return Fixed(key);
        var (kind, rest) = ($"{m.Groups["blocks"].Value}.{m.Groups["what"].Value}", m.Groups["rest"].Value);
        var b = int.Parse(m.Groups["b"].Value);
        var l = int.Parse(m.Groups["l"].Value);
        return kind switch
        {
            "down_blocks.resnets" => $"input_blocks.{DownStart(b) + l}.0.{Resnet(rest)}",
            "down_blocks.attentions" => $"input_blocks.{DownStart(b) + l}.1.{rest}",
            "down_blocks.downsamplers" => $"input_blocks.{DownStart(b) + layers[b]}.0.op.{rest["conv.".Length..]}",
            "up_blocks.resnets" => $"output_blocks.{UpStart(b) + l}.0.{Resnet(rest)}",
            "up_blocks.attentions" => $"output_blocks.{UpStart(b) + l}.1.{rest}",
            "up_blocks.upsamplers" => $"output_blocks.{UpStart(b) + layers[n - 1 - b]}.{(config.UpBlockTypes[b].StartsWith("CrossAttn", StringComparison.Ordinal) ? 2 : 1)}.{rest}",
            _ => key,
        };
    }

    static string Fixed(string key)
    {
        if (Match(MidKey(), key) is { } mid)
        {
            var j = int.Parse(mid.Groups["j"].Value);
            return mid.Groups["kind"].Value == "resnets" ? $"middle_block.{2 * j}.{Resnet(mid.Groups["rest"].Value)}" : $"middle_block.1.{mid.Groups["rest"].Value}";
        }
        if (Match(HintKey(), key) is { } hint)
        {
            var k = int.Parse(hint.Groups["k"].Value);
            return $"input_hint_block.{2 * k + 2}.{hint.Groups["rest"].Value}";
        }
        if (Match(ZeroConvKey(), key) is { } zero) return $"zero_convs.{zero.Groups["i"].Value}.0.{zero.Groups["rest"].Value}";
        foreach (var (from, to) in FixedPrefixes)
            if (key.StartsWith(from, StringComparison.Ordinal)) return to + key[from.Length..];
        return key;
    }

    static readonly (string From, string To)[] FixedPrefixes =
    [
        ("time_embedding.linear_1.", "time_embed.0."), ("time_embedding.linear_2.", "time_embed.2."), ("conv_in.", "input_blocks.0.0."),
        ("conv_norm_out.", "out.0."), ("conv_out.", "out.2."), ("controlnet_cond_embedding.conv_in.", "input_hint_block.0."),
        ("controlnet_mid_block.", "middle_block_out.0."),
    ];

    /// <summary>cldm's input_hint_block index of conv_out: after conv_in and every block, each followed by a SiLU.</summary>
    public static string ControlNet(string key, ControlNetConfig config)
    {
        const string convOut = "controlnet_cond_embedding.conv_out.";
        if (!key.StartsWith(convOut, StringComparison.Ordinal)) return Unet(key, config.Unet);
        var blocks = 2 * (config.ConditioningEmbeddingOutChannels.Length - 1);
        return $"input_hint_block.{2 * blocks + 2}.{key[convOut.Length..]}";
    }

    static string Resnet(string rest)
    {
        foreach (var (from, to) in ResnetNames)
            if (rest.StartsWith(from, StringComparison.Ordinal)) return to + rest[from.Length..];
        return rest;
    }

    static readonly (string From, string To)[] ResnetNames =
    [
        ("norm1.", "in_layers.0."), ("conv1.", "in_layers.2."), ("time_emb_proj.", "emb_layers.1."), ("norm2.", "out_layers.0."),
        ("conv2.", "out_layers.3."), ("conv_shortcut.", "skip_connection."),
    ];

    /// <summary>The LDM name of a VAE key (first_stage_model.* without that prefix); <paramref name="levels"/> = len(block_out_channels).</summary>
    public static string Vae(string key, int levels)
    {
        if (Match(VaeLevelKey(), key) is { } m)
        {
            var (part, i, rest) = (m.Groups["part"].Value, int.Parse(m.Groups["i"].Value), m.Groups["rest"].Value);
            var level = part == "decoder" ? levels - 1 - i : i;
            var dir = part == "decoder" ? "up" : "down";
            return m.Groups["kind"].Value switch
            {
                "resnets" => $"{part}.{dir}.{level}.block.{m.Groups["j"].Value}.{VaeResnet(rest)}",
                "downsamplers" => $"{part}.down.{level}.downsample.{rest}",
                _ => $"{part}.up.{level}.upsample.{rest}",
            };
        }
        if (Match(VaeMidKey(), key) is { } mid)
        {
            var (part, rest) = (mid.Groups["part"].Value, mid.Groups["rest"].Value);
            if (mid.Groups["kind"].Value == "resnets") return $"{part}.mid.block_{int.Parse(mid.Groups["j"].Value) + 1}.{VaeResnet(rest)}";
            foreach (var (from, to) in VaeAttentionNames)
                if (rest.StartsWith(from, StringComparison.Ordinal)) return $"{part}.mid.attn_1.{to}{rest[from.Length..]}";
        }
        return key.Replace(".conv_norm_out.", ".norm_out.", StringComparison.Ordinal);
    }

    /// <summary>True for the VAE attention projections LDM stores as 1x1 convolutions ([C, C, 1, 1]).</summary>
    public static bool IsVaeConvShapedLinear(string key) =>
        Match(VaeMidKey(), key) is { } m && m.Groups["kind"].Value == "attentions" && m.Groups["rest"].Value is var r
        && r.EndsWith(".weight", StringComparison.Ordinal) && !r.StartsWith("group_norm.", StringComparison.Ordinal);

    static readonly (string From, string To)[] VaeAttentionNames =
        [("group_norm.", "norm."), ("to_q.", "q."), ("to_k.", "k."), ("to_v.", "v."), ("to_out.0.", "proj_out.")];

    static string VaeResnet(string rest) =>
        rest.StartsWith("conv_shortcut.", StringComparison.Ordinal) ? "nin_shortcut." + rest["conv_shortcut.".Length..] : rest;

    static Match? Match(Regex regex, string key) => regex.Match(key) is { Success: true } m ? m : null;

    [GeneratedRegex(@"^(?<blocks>down_blocks|up_blocks)\.(?<b>\d+)\.(?<what>resnets|attentions|downsamplers|upsamplers)\.(?<l>\d+)\.(?<rest>.+)$")]
    private static partial Regex UnetKey();

    [GeneratedRegex(@"^mid_block\.(?<kind>resnets|attentions)\.(?<j>\d+)\.(?<rest>.+)$")]
    private static partial Regex MidKey();

    [GeneratedRegex(@"^controlnet_cond_embedding\.blocks\.(?<k>\d+)\.(?<rest>.+)$")]
    private static partial Regex HintKey();

    [GeneratedRegex(@"^controlnet_down_blocks\.(?<i>\d+)\.(?<rest>.+)$")]
    private static partial Regex ZeroConvKey();

    [GeneratedRegex(@"^(?<part>encoder|decoder)\.(down_blocks|up_blocks)\.(?<i>\d+)\.(?<kind>resnets|downsamplers|upsamplers)\.(?<j>\d+)\.(?<rest>.+)$")]
    private static partial Regex VaeLevelKey();

    [GeneratedRegex(@"^(?<part>encoder|decoder)\.mid_block\.(?<kind>resnets|attentions)\.(?<j>\d+)\.(?<rest>.+)$")]
    private static partial Regex VaeMidKey();
}
