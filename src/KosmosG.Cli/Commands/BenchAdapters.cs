using System.Globalization;
using KosmosG.Adapters.Lora;
using KosmosG.Cli.Terminal;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Weights;
using KosmosG.Weights.SingleFile;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>The ControlNet and LoRA `bench unet` measures: given ones, or random ones of real SD 1.5 shapes.</summary>
internal static class BenchAdapters
{
    /// <summary>A ControlNet folder or single file, or "random": the U-Net's encoder with SD 1.5's hint widths (16, 32, 96, 256).</summary>
    public static ControlNetModel ControlNet(string arg, UNet2DConditionConfig unet, ComputeOptions compute)
    {
        if (arg == "random")
            return ControlNetModel.Build(ControlNetConfig.ForUnet(unet, [16, 32, 96, 256]), _ => { }, compute.Device, compute.DType);
        if (Directory.Exists(arg))
            return ControlNetModel.Load(Path.Combine(arg, "config.json"), Path.Combine(arg, "diffusion_pytorch_model.safetensors"), compute.Device, compute.DType);
        if (File.Exists(arg)) return ControlNetSingleFile.Load(arg, unet, compute.Device, compute.DType);
        throw new UsageException($"--controlnet must be a ControlNet folder, a single file or 'random', got '{arg}'");
    }

    /// <summary>FILE[:SCALE], or random:RANK: kohya-style LoRA of that rank on every Linear and 1x1 conv of the attention blocks.</summary>
    public static LoraFile Lora(string arg, UNet2DConditionModel unet, out double scale)
    {
        scale = 1.0;
        if (arg.StartsWith("random:", StringComparison.Ordinal))
        {
            if (!int.TryParse(arg["random:".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rank) || rank < 1)
                throw new UsageException($"--lora random:RANK needs a positive rank, got '{arg}'");
            var path = Path.Combine(Path.GetTempPath(), $"kosmosg-bench-lora-{Guid.NewGuid():N}.safetensors");
            try
            {
                using (var scope = NewDisposeScope()) SafeTensorsWriter.Save(path, RandomKohya(unet, rank));
                return LoraFile.Read(path);
            }
            finally { File.Delete(path); }
        }
        var colon = arg.LastIndexOf(':');
        if (colon > 0 && double.TryParse(arg[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
        {
            scale = s;
            arg = arg[..colon];
        }
        return File.Exists(arg) ? LoraFile.Read(arg) : throw new UsageException($"--lora file not found: {arg}");
    }

    static IEnumerable<KeyValuePair<string, Tensor>> RandomKohya(UNet2DConditionModel unet, int rank)
    {
        foreach (var (name, module) in unet.named_modules())
        {
            if (!name.Contains(".attentions.", StringComparison.Ordinal)) continue;
            var (inputs, outputs) = module switch
            {
                Linear l => (l.in_features, l.out_features),
                Conv2d c when c.kernel_size.All(k => k == 1) => (c.in_channels, c.out_channels),
                _ => (0L, 0L),
            };
            if (inputs == 0) continue;
            var key = "lora_unet_" + name.Replace('.', '_');
            yield return new(key + ".lora_down.weight", randn(rank, inputs) / Math.Sqrt(inputs));
            yield return new(key + ".lora_up.weight", randn(outputs, rank) * 0.01);
        }
    }
}
