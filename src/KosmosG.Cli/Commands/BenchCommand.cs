using KosmosG.Cli.Terminal;
using KosmosG.Adapters.Lora;
using KosmosG.Diagnostics;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>`kosmosg bench unet`: the time of one U-Net step (median after warm-up), and the share of the machine's
/// peak (measured in the same run) it reaches.</summary>
public static class BenchCommand
{
    public const string Usage =
        "kosmosg bench unet (--model DIR | --config unet/config.json) [--latent N] [--batch B] [--dtype fp32|bf16|fp16]\n" +
        "                   [--runs N] [--warmup N] [--threads N] [--device cpu|cuda:N] [--profile] [--verify]\n" +
        "                   [--controlnet DIR|FILE|random] [--lora FILE[:SCALE]|random:RANK]";

    public static int Run(IReadOnlyList<string> args) => (args.Count > 0 ? args[0] : "") switch
    {
        "peak" => PeakBenchCommand.Run(args.Skip(1).ToList()),
        "unet" => RunUnet(args.Skip(1).ToList()),
        "vae" => VaeBenchCommand.Run(args.Skip(1).ToList()),
        "encode" => EncodeBenchCommand.Run(args.Skip(1).ToList()),
        "pipeline" => PipelineBenchCommand.Run(args.Skip(1).ToList()),
        "service" => ServiceBenchCommand.Run(args.Skip(1).ToList()),
        "stores" => StoreBenchCommand.Run(args.Skip(1).ToList()),
        _ => throw new UsageException("bench needs a target: peak, unet, vae, encode, pipeline, service or stores"),
    };

    static int RunUnet(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--model", "--config", "--latent", "--batch", "--dtype", "--runs", "--warmup", "--threads", "--device", "--controlnet", "--lora"], ["--profile", "--verify"]);
        var compute = ComputeOptions.Parse(a.String("--device") ?? "cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32");
        var batch = a.Int("--batch", 1, 64) ?? 2;
        var runs = a.Int("--runs", 1, 1000) ?? 3;
        var warmup = a.Int("--warmup", 0, 100) ?? 1;
        BenchSupport.ApplyThreads(a);

        using var unet = LoadUnet(a, compute);
        var latent = a.Int("--latent", 1, 1024) ?? unet.Config.SampleSize ?? 64;
        var parameters = unet.parameters().Sum(p => p.numel());

        using var mode = inference_mode();
        using var sample = randn([batch, unet.Config.InChannels, latent, latent], compute.DType, compute.Device);
        using var context = randn([batch, 77, unet.Config.CrossAttentionDim[0]], compute.DType, compute.Device);
        using var timestep = tensor(999L, device: compute.Device);
        void Step() => unet.call(sample, timestep, context).cpu();
        var times = BenchSupport.Time(warmup, runs, Step);
        var flops = 2 * UNetFlops.MacsPerSample(unet.Config, latent, latent) * batch;
        var peak = BenchSupport.MeasurePeak(compute);

        Console.WriteLine($"unet: {parameters:N0} parameters, latent {latent}x{latent}, batch {batch}, {compute.DTypeName} on {compute.Device}, {get_num_threads()} threads");
        BenchSupport.Report(a, "step", times, warmup, flops, peak, unet, Step);
        if (a.Has("--verify") && !Verify(unet, sample, timestep, context)) return 1;

        // Adapter costs as ratios to the plain step measured in this same run (timings here are shared-CPU noisy).
        if (a.String("--controlnet") is { } controlnetArg)
        {
            using var controlnet = BenchAdapters.ControlNet(controlnetArg, unet.Config, compute);
            // As in the pipelines: the control image is embedded once per request, not at every step.
            using var image = rand([1, 3, latent * 8, latent * 8], compute.DType, compute.Device);
            using var embedding = controlnet.EmbedCondition(image);
            var withControl = BenchSupport.Time(warmup, runs, () =>
            {
                using var residuals = controlnet.ForwardEmbedded(sample, timestep, context, embedding, 1.0);
                unet.Forward(sample, timestep, context, residuals).cpu();
            });
            Console.WriteLine($"controlnet ({controlnet.parameters().Sum(p => p.numel()):N0} parameters): step median {withControl.Median * 1000:F1} ms -> {Percent(withControl, times)} per step over the plain U-Net");
        }
        if (a.String("--lora") is { } loraArg)
        {
            using var lora = BenchAdapters.Lora(loraArg, unet, out var scale);
            using var scope = LoraScope.Attach([new ScaledLora(lora, scale)], unet, null);
            var withLora = BenchSupport.Time(warmup, runs, Step);
            Console.WriteLine($"lora ({lora.Modules.Count} layers, rank {string.Join("/", lora.Modules.Select(m => m.Rank).Distinct())}, unfused): step median {withLora.Median * 1000:F1} ms -> {Percent(withLora, times)} per step over the plain U-Net");
        }
        return 0;
    }

    static bool Verify(UNet2DConditionModel unet, Tensor sample, Tensor timestep, Tensor context)
    {
        using var twin = BenchVerify.Twin(unet, float64 => RandomModels.Unet(unet.Config, float64));
        using var scope = NewDisposeScope();
        return BenchVerify.Report("step", unet.call(sample, timestep, context),
            twin.call(BenchVerify.Input(sample), BenchVerify.Input(timestep), BenchVerify.Input(context)), sample.dtype);
    }

    /// <summary>Extra time over the plain step, by wall clock and by CPU time (the CPU figure holds on a shared machine).</summary>
    static string Percent(BenchSupport.Timings value, BenchSupport.Timings baseline) =>
        $"{(value.Median / baseline.Median - 1) * 100:+0.0;-0.0} % (CPU time {(value.CpuMedian / baseline.CpuMedian - 1) * 100:+0.0;-0.0} %)";

    static UNet2DConditionModel LoadUnet(ArgParser a, ComputeOptions compute) => BenchSupport.LoadComponent(a, "unet",
        (config, weights) => UNet2DConditionModel.Load(config, weights, compute.Device, compute.DType),
        config => RandomModels.Unet(UNet2DConditionConfig.Load(config), compute));
}
