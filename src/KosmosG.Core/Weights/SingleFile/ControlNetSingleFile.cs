using KosmosG.Models.Diffusion;
using static TorchSharp.torch;

namespace KosmosG.Weights.SingleFile;

/// <summary>
/// A ControlNet in the original single-file layout (control_v11p_sd15_canny.pth / .safetensors: input_hint_block,
/// zero_convs, middle_block_out, ...; keys with or without the control_model. prefix). The file stores no config: the
/// network copies the model's U-Net config, and the conditioning embedding's widths come from the hint convs' shapes.
/// </summary>
public static class ControlNetSingleFile
{
    const string Prefix = "control_model.";

    public static ControlNetModel Load(string path, UNet2DConditionConfig unet, Device? device = null, ScalarType? dtype = null)
    {
        using var file = SingleFileCheckpoint.Open(path);
        // As diffusers: the file is unprefixed when it has time_embed.0.weight.
        var prefix = file.Keys.Contains("time_embed.0.weight") ? "" : Prefix;
        var config = ConfigFor(file, prefix, unet);
        return ControlNetModel.Build(config, model => file.LoadInto(model, prefix, key => LdmKeys.ControlNet(key, config)), device, dtype);
    }

    /// <summary>input_hint_block: conv_in, then (same-width conv, stride-2 conv) per width step, then conv_out (the last).</summary>
    static ControlNetConfig ConfigFor(SingleFileCheckpoint file, string prefix, UNet2DConditionConfig unet)
    {
        var hint = prefix + "input_hint_block.";
        var convs = file.Keys
            .Where(k => k.StartsWith(hint, StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal))
            .Select(k => int.TryParse(k[hint.Length..^".weight".Length], out var i) ? i : -1)
            .Where(i => i >= 0).Order().ToArray();
        if (convs.Length < 2 || convs.Length % 2 != 0)
            throw new InvalidDataException($"'{file.Path}' is not an original-layout ControlNet: it has {convs.Length} {hint}N.weight convolutions " +
                                           $"(expected conv_in, pairs of blocks and conv_out); keys start with: {string.Join(", ", file.Keys.Order().Take(3))}");
        long[] Shape(int i) => file.Source.ShapeOf($"{hint}{i}.weight");
        var widths = new List<int> { (int)Shape(convs[0])[0] };
        for (var b = 2; b < convs.Length - 1; b += 2) widths.Add((int)Shape(convs[b])[0]);
        return ControlNetConfig.ForUnet(unet, widths.ToArray(), (int)Shape(convs[0])[1]);
    }
}
