using System.Diagnostics;
using KosmosG.Cli.Terminal;
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

    // The official modules at kosmosg_xl sizes, float32, "<i> wearing <i>" with two 224x224 images (docs/PERF-ANCHOR.md).
    const double ReferenceSeconds = 34.1;

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--model", "--prompt", "--dtype", "--runs", "--threads"]);
        var folder = KosmosGModelFolder.Open(a.Required("--model"));
        var compute = ComputeOptions.Parse("cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "bf16");
        var prompt = a.String("--prompt") ?? "<i> wearing <i>";
        var runs = a.Int("--runs", 1, 100) ?? 3;
        if (a.Int("--threads", 1, 1024) is { } threads) set_num_threads(threads);

        var config = KosmosGConfig.Load(folder.ConfigPath);
        var load = Stopwatch.StartNew();
        using var model = KosmosGModel.Load(config, folder.WeightsPath, dtype: compute.DType);
        var loadSeconds = load.Elapsed.TotalSeconds;
        var weightBytes = model.parameters().Sum(p => p.numel() * p.ElementSize);
        var peak = PeakResidentBytes();

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
        var times = new List<double>();
        for (var i = 0; i <= runs; i++)
        {
            var watch = Stopwatch.StartNew();
            using (NewDisposeScope()) model.EncodePrompt(tokens, mask, pixels);
            if (i > 0) times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        var median = times[times.Count / 2];

        Console.WriteLine($"model: {model.parameters().Sum(p => p.numel()):N0} parameters, {compute.DTypeName}, weights {weightBytes / 1e9:F2} GB, loaded in {loadSeconds:F1} s");
        Console.WriteLine($"peak resident memory: {peak / 1e9:F2} GB = {(double)peak / weightBytes:F2}x the weights");
        Console.WriteLine($"condition encode of \"{prompt}\" (T = {built.Tokens.Length}, {images.Count} images): median {median:F2} s over {runs} runs " +
                          $"(official code, fp32, kosmosg_xl, 2 images: {ReferenceSeconds} s)");
        return 0;
    }

    static byte[] RandomPixels(int size, int seed)
    {
        var pixels = new byte[size * size * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    /// <summary>VmHWM: the most resident memory this process has had.</summary>
    static long PeakResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
