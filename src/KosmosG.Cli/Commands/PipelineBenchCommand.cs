using KosmosG.Cli.Terminal;
using KosmosG.Diagnostics;
using KosmosG.Imaging;
using KosmosG.Models.Clip;
using KosmosG.Models.Diffusion;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Schedulers;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `kosmosg bench pipeline`: one whole image with random weights at real size (SD v1.5 text-to-image, or KOSMOS-G
/// with two images), through the pipelines' own backbone code: condition encode, guided DPM++ denoising, VAE decode
/// and PNG encoding, each timed, with the U-Net's share of the total and the peak resident memory against the weights.
/// </summary>
public static class PipelineBenchCommand
{
    public const string Usage =
        "kosmosg bench pipeline [--kind sd15|kosmosg] [--sd-configs DIR] [--kosmosg-config FILE] [--size N] [--steps N]\n" +
        "                       [--guidance G] [--dtype fp32|bf16|fp16] [--threads N] [--device cpu|cuda:N] [--profile]";

    const string DefaultSdConfigs = "configs/sd-v1-5";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--kind", "--sd-configs", "--kosmosg-config", "--size", "--steps", "--guidance", "--dtype", "--threads", "--device"], ["--profile"]);
        var kind = a.Choice("--kind", ["sd15", "kosmosg"]) ?? "sd15";
        var compute = ComputeOptions.Parse(a.String("--device") ?? "cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "bf16");
        var size = a.Int("--size", 8, 4096) ?? 512;
        var steps = a.Int("--steps", 1, 1000) ?? 20;
        var guidance = a.Double("--guidance", 0, 100) ?? 7.5;
        var configs = a.String("--sd-configs") ?? DefaultSdConfigs;
        if (!Directory.Exists(configs)) throw new UsageException($"--sd-configs: no folder '{configs}' (the repo's configs/sd-v1-5 when run from its root)");
        if (size % 8 != 0) throw new UsageException($"--size must be a multiple of 8, got {size}");
        BenchSupport.ApplyThreads(a);

        var unetConfig = UNet2DConditionConfig.Load(Path.Combine(configs, "unet", "config.json"));
        using var backbone = DiffusionBackbone.FromModels(RandomModels.Unet(unetConfig, compute),
            RandomModels.Vae(AutoencoderKLConfig.Load(Path.Combine(configs, "vae", "config.json")), compute with { DType = DiffusionBackbone.VaeDType(compute) }),
            SchedulerConfig.Load(Path.Combine(configs, "scheduler", "scheduler_config.json")), compute);
        using var encoder = kind == "kosmosg"
            ? new KosmosGEncode(RandomModels.KosmosG(a.String("--kosmosg-config") is { } c ? KosmosGConfig.Load(c) : KosmosGConfig.XL, compute))
            : (ConditionEncode)new ClipEncode(RandomModels.TextEncoder(CLIPTextConfig.Load(Path.Combine(configs, "text_encoder", "config.json")), compute));
        var weightBytes = BenchSupport.WeightBytes(backbone.Unet) + BenchSupport.WeightBytes(backbone.Vae) + BenchSupport.WeightBytes(encoder.Model);

        using var mode = inference_mode();
        var unetTime = RunTime.Zero;
        RunTime.Clock? unetClock = null;
        backbone.Unet.register_forward_pre_hook(_ => unetClock = RunTime.Clock.Start());
        backbone.Unet.register_forward_hook(_ => unetTime += unetClock!.Stop());
        using var profiler = a.Has("--profile") ? new ModuleProfiler(backbone.Unet) : null;
        using var decodeFlops = new LayerFlops(backbone.Vae);

        Tensor? condition = null, latents = null, pixels = null;
        byte[] png = [];
        var generators = SeededGenerators.Create(0, 1);
        var encode = RunTime.Measure(() => condition = encoder.Encode(guidance > 1));
        var denoise = RunTime.Measure(() =>
        {
            using var initial = backbone.InitialLatents(generators, size, size);
            using var scheduler = backbone.CreateScheduler("dpms", steps);
            latents = backbone.Denoise(initial, condition!, guidance, scheduler, generators, new GenerationCallbacks(), CancellationToken.None);
        });
        var decode = RunTime.Measure(() => pixels = backbone.Decode(latents!));
        var encodePng = RunTime.Measure(() => png = PngEncoder.Encode(ImageTensors.ToRgbImages(pixels!)[0]));
        foreach (var t in new[] { condition, latents, pixels }) t?.Dispose();
        var resident = BenchSupport.PeakResidentBytes();
        var peak = BenchSupport.MeasurePeak(compute);

        var batch = guidance > 1 ? 2 : 1;
        var latent = size / backbone.VaeScaleFactor;
        var unetFlops = steps * 2 * UNetFlops.MacsPerSample(unetConfig, latent, latent) * batch;
        var total = new[] { encode, denoise, decode, encodePng }.Aggregate((x, y) => x + y);
        Console.WriteLine($"pipeline: {kind}, {size}x{size}, {steps} DPM++ steps, guidance {guidance}, {compute.DTypeName} on {compute.Device}, " +
                          $"{get_num_threads()} threads, random weights at real size");
        Console.WriteLine($"encode: {encode.Seconds * 1000,10:F1} ms  ~{BenchSupport.OfPeak(encoder.Flops, encode, peak)}");
        Console.WriteLine($"denoise: {denoise.Seconds * 1000,9:F1} ms  ({unetTime.Seconds / steps * 1000:F1} ms per U-Net step) U-Net {BenchSupport.OfPeak(unetFlops, unetTime, peak)}");
        Console.WriteLine($"decode: {decode.Seconds * 1000,10:F1} ms  {BenchSupport.OfPeak(decodeFlops.Flops, decode, peak)}");
        Console.WriteLine($"png: {encodePng.Seconds * 1000,13:F1} ms  ({png.Length:N0} bytes)");
        Console.WriteLine($"total: {total.Seconds * 1000,11:F1} ms = {total.Seconds / unetTime.Seconds:F3}x the U-Net time alone " +
                          $"(by CPU time {total.CpuSeconds / unetTime.CpuSeconds:F3}x); whole image {BenchSupport.OfPeak(encoder.Flops + unetFlops + decodeFlops.Flops, total, peak)}");
        Console.WriteLine($"peak resident memory: {resident / 1e9:F2} GB = {(double)resident / weightBytes:F2}x the weights ({weightBytes / 1e9:F2} GB)");
        if (profiler is not null) BenchSupport.PrintProfile(profiler, unetTime, $"U-Net over {steps} steps");
        return 0;
    }

    /// <summary>How a pipeline kind turns its prompt into the guided condition [uncond; cond], and that step's work.</summary>
    abstract class ConditionEncode(nn.Module model) : IDisposable
    {
        public nn.Module Model { get; } = model;
        public double Flops { get; protected set; }
        public abstract Tensor Encode(bool guided);
        public void Dispose() => Model.Dispose();
    }

    /// <summary>SD v1.5: the CLIP text encoder on the negative and the positive prompt (random ids, 77 tokens each).</summary>
    sealed class ClipEncode(CLIPTextModel model) : ConditionEncode(model)
    {
        public override Tensor Encode(bool guided)
        {
            var rows = guided ? 2 : 1;
            using var ids = randint(model.Config.VocabSize, [rows, model.Config.MaxPositionEmbeddings], dtype: ScalarType.Int64, generator: new Generator(0));
            Flops = 2.0 * rows * ids.shape[1] * model.parameters().Where(p => p.dim() == 2).Sum(p => p.numel());
            return model.forward(ids.to(model.parameters().First().device));
        }
    }

    /// <summary>KOSMOS-G: the benches' random two-image prompt (<see cref="RandomKosmosGPrompt"/>) through vision tower,
    /// connector, MLLM and AlignerNet, plus the unconditional "&lt;s&gt;" branch.</summary>
    sealed class KosmosGEncode(KosmosGModel model) : ConditionEncode(model)
    {
        public override Tensor Encode(bool guided)
        {
            using var prompt = new RandomKosmosGPrompt(model);
            Flops = prompt.Flops(model, guided);
            return prompt.Encode(model, guided);
        }
    }
}
