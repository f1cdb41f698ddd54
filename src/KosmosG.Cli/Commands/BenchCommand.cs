using System.Diagnostics;
using KosmosG.Cli.Terminal;
using KosmosG.Adapters.Lora;
using KosmosG.Diagnostics;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>`kosmosg bench unet`: the time of one U-Net step (median after warm-up), and the FLOP/s it reaches.</summary>
public static class BenchCommand
{
    public const string Usage =
        "kosmosg bench unet (--model DIR | --config unet/config.json) [--latent N] [--batch B] [--dtype fp32|bf16|fp16]\n" +
        "                   [--runs N] [--warmup N] [--threads N] [--device cpu|cuda:N]\n" +
        "                   [--controlnet DIR|FILE|random] [--lora FILE[:SCALE]|random:RANK]";

    // diffusers 0.25.1 + torch 1.13.1 on this machine kind, fp32, batch 2, SD v1.5 U-Net (docs/PERF-ANCHOR.md).
    static readonly Dictionary<int, double> ReferenceSeconds = new() { [64] = 35.2, [32] = 7.29 };
    const long Sd15UnetParameters = 859_520_964;

    public static int Run(IReadOnlyList<string> args) => (args.Count > 0 ? args[0] : "") switch
    {
        "unet" => RunUnet(args.Skip(1).ToList()),
        "encode" => EncodeBenchCommand.Run(args.Skip(1).ToList()),
        "service" => ServiceBenchCommand.Run(args.Skip(1).ToList()),
        _ => throw new UsageException("bench needs a target: unet, encode or service"),
    };

    static int RunUnet(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--model", "--config", "--latent", "--batch", "--dtype", "--runs", "--warmup", "--threads", "--device", "--controlnet", "--lora"]);
        var compute = ComputeOptions.Parse(a.String("--device") ?? "cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32");
        var batch = a.Int("--batch", 1, 64) ?? 2;
        var runs = a.Int("--runs", 1, 1000) ?? 3;
        var warmup = a.Int("--warmup", 0, 100) ?? 1;
        if (a.Int("--threads", 1, 1024) is { } threads) set_num_threads(threads);

        using var unet = LoadUnet(a);
        unet.to(compute.Device, compute.DType).eval();
        var latent = a.Int("--latent", 1, 1024) ?? unet.Config.SampleSize ?? 64;
        var parameters = unet.parameters().Sum(p => p.numel());

        using var mode = inference_mode();
        using var sample = randn([batch, unet.Config.InChannels, latent, latent], compute.DType, compute.Device);
        using var context = randn([batch, 77, unet.Config.CrossAttentionDim[0]], compute.DType, compute.Device);
        using var timestep = tensor(999L, device: compute.Device);
        double Median(Action step)
        {
            var times = new List<double>();
            for (var i = 0; i < warmup + runs; i++)
            {
                var watch = Stopwatch.StartNew();
                using (NewDisposeScope()) step();
                if (i >= warmup) times.Add(watch.Elapsed.TotalSeconds);
            }
            times.Sort();
            return times[times.Count / 2];
        }
        var median = Median(() => unet.forward(sample, timestep, context).cpu());
        var flops = 2 * UNetFlops.MacsPerSample(unet.Config, latent, latent) * batch;

        Console.WriteLine($"unet: {parameters:N0} parameters, latent {latent}x{latent}, batch {batch}, {compute.DTypeName} on {compute.Device}, {get_num_threads()} threads");
        Console.WriteLine($"step: median {median * 1000:F1} ms over {runs} runs after {warmup} warm-up");
        Console.WriteLine($"work: {flops / 1e12:F3} TFLOP per step -> {flops / median / 1e9:F1} GFLOP/s");
        if (parameters == Sd15UnetParameters && batch == 2 && ReferenceSeconds.TryGetValue(latent, out var reference))
            Console.WriteLine($"reference (diffusers 0.25.1, torch 1.13.1, fp32, same machine kind): {reference:F2} s -> {reference / median:F2}x faster");

        // Adapter costs as ratios to the plain step measured in this same run (timings here are shared-CPU noisy).
        if (a.String("--controlnet") is { } controlnetArg)
        {
            using var controlnet = BenchAdapters.ControlNet(controlnetArg, unet.Config, compute);
            using var image = rand([batch, 3, latent * 8, latent * 8], compute.DType, compute.Device);
            var withControl = Median(() =>
            {
                using var residuals = controlnet.Forward(sample, timestep, context, image, 1.0);
                unet.Forward(sample, timestep, context, residuals).cpu();
            });
            Console.WriteLine($"controlnet ({controlnet.parameters().Sum(p => p.numel()):N0} parameters): step median {withControl * 1000:F1} ms -> {Percent(withControl, median)} per step over the plain U-Net");
        }
        if (a.String("--lora") is { } loraArg)
        {
            using var lora = BenchAdapters.Lora(loraArg, unet, out var scale);
            using var scope = LoraScope.Attach([new ScaledLora(lora, scale)], unet, null);
            var withLora = Median(() => unet.forward(sample, timestep, context).cpu());
            Console.WriteLine($"lora ({lora.Modules.Count} layers, rank {string.Join("/", lora.Modules.Select(m => m.Rank).Distinct())}, unfused): step median {withLora * 1000:F1} ms -> {Percent(withLora, median)} per step over the plain U-Net");
        }
        return 0;
    }

    static string Percent(double value, double baseline) => $"{(value / baseline - 1) * 100:+0.0;-0.0} %";

    static UNet2DConditionModel LoadUnet(ArgParser a)
    {
        if (a.String("--model") is { } model)
        {
            var root = KosmosGModelFolder.IsKosmosG(model) ? Path.Combine(model, KosmosGModelFolder.StableDiffusionFolder) : model;
            var folder = DiffusersFolder.Open(root);
            return UNet2DConditionModel.Load(folder.ConfigPath("unet"), folder.WeightsPath("unet"));
        }
        var config = a.String("--config") ?? throw new UsageException("bench unet needs --model DIR or --config FILE");
        return new UNet2DConditionModel(UNet2DConditionConfig.Load(config));
    }
}
