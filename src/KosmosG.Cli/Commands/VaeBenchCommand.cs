using KosmosG.Cli.Terminal;
using KosmosG.Diagnostics;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>`kosmosg bench vae`: the time of one VAE decode (64x64 latent -> 512x512 image by default) and the share of
/// the machine's peak it reaches; the work is counted from the layers' shapes during the first warm-up run.</summary>
public static class VaeBenchCommand
{
    public const string Usage =
        "kosmosg bench vae (--model DIR | --config vae/config.json) [--latent N] [--batch B] [--dtype fp32|bf16|fp16]\n" +
        "                  [--runs N] [--warmup N] [--threads N] [--device cpu|cuda:N] [--profile] [--verify]";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--model", "--config", "--latent", "--batch", "--dtype", "--runs", "--warmup", "--threads", "--device"], ["--profile", "--verify"]);
        var compute = ComputeOptions.Parse(a.String("--device") ?? "cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32");
        var latent = a.Int("--latent", 1, 1024) ?? 64;
        var batch = a.Int("--batch", 1, 64) ?? 1;
        var runs = a.Int("--runs", 1, 1000) ?? 3;
        var warmup = a.Int("--warmup", 1, 100) ?? 1;
        BenchSupport.ApplyThreads(a);

        using var vae = LoadVae(a, compute);
        using var mode = inference_mode();
        using var z = randn([batch, vae.Config.LatentChannels, latent, latent], compute.DType, compute.Device);
        void Decode() => vae.Decode(z).cpu();
        double flops;
        using (var counter = new LayerFlops(vae))
        using (NewDisposeScope())
        {
            Decode();
            flops = counter.Flops;
        }
        var times = BenchSupport.Time(warmup - 1, runs, Decode);
        var peak = BenchSupport.MeasurePeak(compute);

        var side = latent << (vae.Config.BlockOutChannels.Length - 1);
        Console.WriteLine($"vae decode: {vae.parameters().Sum(p => p.numel()):N0} parameters, latent {latent}x{latent} -> {side}x{side}, batch {batch}, " +
                          $"{compute.DTypeName} on {compute.Device}, {get_num_threads()} threads");
        BenchSupport.Report(a, "decode", times, warmup, flops, peak, vae, Decode);
        if (!a.Has("--verify")) return 0;
        using var twin = BenchVerify.Twin(vae, float64 => RandomModels.Vae(vae.Config, float64));
        using var scope = NewDisposeScope();
        return BenchVerify.Report("decode", vae.Decode(z), twin.Decode(BenchVerify.Input(z)), z.dtype) ? 0 : 1;
    }

    static AutoencoderKL LoadVae(ArgParser a, ComputeOptions compute) => BenchSupport.LoadComponent(a, "vae",
        (config, weights) => AutoencoderKL.Load(config, weights, compute.Device, compute.DType),
        config => RandomModels.Vae(AutoencoderKLConfig.Load(config), compute));
}
