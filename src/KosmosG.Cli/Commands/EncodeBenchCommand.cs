using System.Diagnostics;
using KosmosG.Cli.Terminal;
using KosmosG.Diagnostics;
using KosmosG.Imaging;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `kosmosg bench encode`: loads a KOSMOS-G model folder's MLLM side (vision tower, connector, MLLM, AlignerNet) and
/// reports the peak resident memory against the weights' size, then times one condition encode (median after a
/// warm-up) for a prompt with random images, as the official code was measured (docs/PERF-ANCHOR.md).
/// </summary>
public static class EncodeBenchCommand
{
    public const string Usage =
        "kosmosg bench encode --model DIR [--prompt TEXT] [--dtype fp32|bf16|fp16] [--runs N] [--threads N]";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--model", "--prompt", "--dtype", "--runs", "--threads"]);
        var folder = KosmosGModelFolder.Open(a.Required("--model"));
        var compute = ComputeOptions.Parse("cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "bf16");
        var prompt = a.String("--prompt") ?? "<i> wearing <i>";
        var runs = a.Int("--runs", 1, 100) ?? 3;
        BenchSupport.ApplyThreads(a);

        var config = KosmosGConfig.Load(folder.ConfigPath);
        var load = Stopwatch.StartNew();
        using var model = KosmosGModel.Load(config, folder.WeightsPath, dtype: compute.DType);
        var loadSeconds = load.Elapsed.TotalSeconds;
        var weightBytes = BenchSupport.WeightBytes(model);
        var resident = BenchSupport.PeakResidentBytes();

        var prompts = folder.PromptBuilder(config);
        var built = prompts.Build(prompt, prompt.Split(KosmosGPromptBuilder.ImageMarker).Length - 1);
        var size = config.Vision.ImageSize;
        var images = Enumerable.Range(0, built.ImageMask.Count(m => m) / config.ImageTokenLength)
            .Select(i => new RgbImage(size, size, RandomPixels(size, i))).ToList();
        var preprocessor = config.Vision.CreatePreprocessor();

        using var mode = inference_mode();
        using var tokens = tensor(built.Tokens, [1, built.Tokens.Length]);
        using var mask = tensor(built.ImageMask, [1, built.ImageMask.Length]);
        using var pixels = images.Count == 0 ? null : preprocessor.PreprocessBatch(images);
        var times = BenchSupport.Time(1, runs, () => model.EncodePrompt(tokens, mask, pixels));
        var flops = KosmosGFlops.EncodeEstimate(model, built.Tokens.Length, images.Count);
        var peak = BenchSupport.MeasurePeak(compute);

        Console.WriteLine($"model: {model.parameters().Sum(p => p.numel()):N0} parameters, {compute.DTypeName}, weights {weightBytes / 1e9:F2} GB, loaded in {loadSeconds:F1} s");
        Console.WriteLine($"peak resident memory after loading: {resident / 1e9:F2} GB = {(double)resident / weightBytes:F2}x the weights");
        Console.WriteLine($"condition encode of \"{prompt}\" (T = {built.Tokens.Length}, {images.Count} images): {times.Describe(1)}");
        Console.WriteLine($"work: ~{flops / 1e12:F3} TFLOP (weight matrices x tokens) -> {BenchSupport.OfPeak(flops, times.MedianRun, peak)}");
        return 0;
    }

    static byte[] RandomPixels(int size, int seed)
    {
        var pixels = new byte[size * size * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}
