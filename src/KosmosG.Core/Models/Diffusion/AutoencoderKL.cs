using KosmosG.Runtime;
using System.Text.RegularExpressions;
using KosmosG.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Stable Diffusion's KL-regularised VAE (diffusers AutoencoderKL): image [-1, 1] to latent Gaussian and latent
/// back to image. Field names mirror the diffusers state-dict keys; older saves with the pre-0.14 attention names
/// load through <see cref="RenameLegacyKey"/>.
/// </summary>
public sealed partial class AutoencoderKL : nn.Module
{
    readonly Encoder encoder;
    readonly Decoder decoder;
    readonly Conv2d quant_conv;
    readonly Conv2d post_quant_conv;

    public AutoencoderKLConfig Config { get; }

    public AutoencoderKL(AutoencoderKLConfig config) : base(nameof(AutoencoderKL))
    {
        config.Validate();
        Config = config;
        encoder = new Encoder(config);
        decoder = new Decoder(config);
        quant_conv = nn.Conv2d(2 * config.LatentChannels, 2 * config.LatentChannels, 1);
        post_quant_conv = nn.Conv2d(config.LatentChannels, config.LatentChannels, 1);
        RegisterComponents();
        ConvWeightLayout.ChannelsLast(this);
    }

    /// <summary>Builds the VAE from a diffusers config.json and strictly loads its safetensors weights (legacy names too).</summary>
    /// <param name="device">Where to place the model (default CPU).</param>
    /// <param name="dtype">Parameter dtype (default float32); weights are converted while loading.</param>
    public static AutoencoderKL Load(string configJsonPath, string weightsPath, Device? device = null, ScalarType? dtype = null)
    {
        var config = AutoencoderKLConfig.Load(configJsonPath);
        var model = TorchDefaults.Build(dtype, () => new AutoencoderKL(config));
        model.to(device ?? CPU, dtype ?? ScalarType.Float32);
        using (var file = SafeTensorsFile.Open(weightsPath)) model.LoadWeights(file);
        model.eval();
        return model;
    }

    /// <summary>
    /// Maps the mid-block attention names diffusers used before 0.14 (query, key, value, proj_attn) to the current
    /// ones (to_q, to_k, to_v, to_out.0); every other key is returned unchanged.
    /// </summary>
    public static string RenameLegacyKey(string key)
    {
        var m = LegacyAttentionKey().Match(key);
        if (!m.Success) return key;
        var name = m.Groups["name"].Value switch
        {
            "query" => "to_q",
            "key" => "to_k",
            "value" => "to_v",
            _ => "to_out.0",
        };
        return $"{m.Groups["block"].Value}{name}.{m.Groups["param"].Value}";
    }

    [GeneratedRegex(@"^(?<block>.*\.attentions\.\d+\.)(?<name>query|key|value|proj_attn)\.(?<param>weight|bias)$")]
    private static partial Regex LegacyAttentionKey();

    /// <summary>
    /// Strict load by name with legacy renaming. Attention projections stored as 1x1 convolutions ([C, C, 1, 1], as
    /// in converted original checkpoints) are copied into the [C, C] linear weights.
    /// </summary>
    public StateDictReport LoadWeights(SafeTensorsFile file)
    {
        var parameters = named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var convShaped = file.Tensors.Values
            .Where(t => t.Shape is [_, _, 1, 1] && parameters.TryGetValue(RenameLegacyKey(t.Name), out var p) && p.dim() == 2)
            .ToDictionary(t => t.Name, t => RenameLegacyKey(t.Name));
        var report = StateDictLoader.Load(this, file, strict: false, ignore: convShaped.ContainsKey, rename: RenameLegacyKey);

        var wrongShape = report.WrongShape.ToList();
        var loaded = report.Loaded;
        using (no_grad())
        {
            foreach (var (fileKey, key) in convShaped)
            {
                var target = parameters[key];
                using var stored = file.Read(fileKey);
                if (stored.shape[0] != target.shape[0] || stored.shape[1] != target.shape[1])
                {
                    wrongShape.Add($"{fileKey} [{string.Join(",", stored.shape)}] expected [{string.Join(",", target.shape)}] or [{string.Join(",", target.shape)},1,1]");
                    continue;
                }
                using var flat = stored.view(target.shape);
                target.copy_(flat);
                loaded++;
            }
        }
        var result = report with { Missing = report.Missing.Except(convShaped.Values).ToList(), WrongShape = wrongShape, Loaded = loaded };
        if (!result.IsClean)
            throw new InvalidDataException($"weights in '{file.Path}' do not match {GetName()}: {result.Describe()}");
        return result;
    }

    /// <param name="image">[B, in_channels, H, W] in [-1, 1]; H and W divisible by 2^(stages-1).</param>
    public DiagonalGaussian Encode(Tensor image)
    {
        if (image.dim() != 4 || image.shape[1] != Config.InChannels)
            throw new ArgumentException($"image must be [B, {Config.InChannels}, H, W], got [{string.Join(", ", image.shape)}]", nameof(image));
        using var scope = NewDisposeScope();
        var moments = CpuConv.Call(quant_conv, encoder.call(image)).chunk(2, 1);
        var logVar = moments[1].clamp(-30.0, 20.0);
        var std = (logVar * 0.5).exp_();
        var (mean, lv, sd) = scope.MoveToOuter(moments[0], logVar, std);
        return new DiagonalGaussian(mean, lv, sd);
    }

    /// <param name="z">[B, latent_channels, h, w] latents already divided by <see cref="AutoencoderKLConfig.ScalingFactor"/>.</param>
    /// <returns>[B, out_channels, 8h, 8w] (for SD's four stages) raw decoder output, nominally in [-1, 1], not clamped.</returns>
    public Tensor Decode(Tensor z)
    {
        if (z.dim() != 4 || z.shape[1] != Config.LatentChannels)
            throw new ArgumentException($"z must be [B, {Config.LatentChannels}, h, w], got [{string.Join(", ", z.shape)}]", nameof(z));
        using var h = CpuConv.Call(post_quant_conv, z);
        return decoder.call(h);
    }
}
