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
/// `kosmosg bench encode`: the KOSMOS-G condition encode a guided generation runs (vision tower, connector, MLLM and
/// AlignerNet on the prompt, plus the unconditional branch), median after warm-up, and its share of the machine's peak.
/// With --model DIR the folder's weights and tokenizer encode --prompt with random images, and the peak resident memory
/// after loading is reported against the weights (docs/PERF-ANCHOR.md); with --config FILE the model is built at that
/// config's size with random weights and encodes the pipeline bench's two-image prompt.
/// </summary>
public static class EncodeBenchCommand
{
    public const string Usage =
        "kosmosg bench encode (--model DIR [--prompt TEXT] | --config kosmosg.json) [--dtype fp32|bf16|fp16] [--runs N] [--warmup N]\n" +
        "                     [--threads N] [--profile]";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--model", "--config", "--prompt", "--dtype", "--runs", "--warmup", "--threads"], ["--profile"]);
        var compute = ComputeOptions.Parse("cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "bf16");
        var runs = a.Int("--runs", 1, 100) ?? 3;
        var warmup = a.Int("--warmup", 1, 100) ?? 1;
        BenchSupport.ApplyThreads(a);
        if (a.String("--model") is not null == a.String("--config") is not null)
            throw new UsageException("bench encode needs exactly one of --model DIR or --config FILE");
        if (a.String("--config") is not null && a.String("--prompt") is not null)
            throw new UsageException("--prompt needs --model (its tokenizer); --config encodes a fixed two-image prompt");

        using var mode = inference_mode();
        var encode = a.String("--model") is { } folder ? FromFolder(folder, a.String("--prompt") ?? "<i> wearing <i>", compute) : Random(a.String("--config")!, compute);
        using var model = encode.Model;
        var times = BenchSupport.Time(warmup, runs, () => encode.Body());
        var peak = BenchSupport.MeasurePeak(compute);

        Console.WriteLine($"model: {model.parameters().Sum(p => p.numel()):N0} parameters, {compute.DTypeName}, weights {BenchSupport.WeightBytes(model) / 1e9:F2} GB, {get_num_threads()} threads");
        foreach (var line in encode.Notes) Console.WriteLine(line);
        BenchSupport.Report(a, "encode", times, warmup, encode.Flops, peak, model, () => encode.Body());
        foreach (var input in encode.Inputs) input?.Dispose();
        return 0;
    }

    /// <summary>What is timed, its estimated work, the lines describing it, and the inputs to free afterwards.</summary>
    sealed record Encode(KosmosGModel Model, Func<Tensor> Body, double Flops, IReadOnlyList<string> Notes, IReadOnlyList<IDisposable?> Inputs);

    static Encode Random(string configPath, ComputeOptions compute)
    {
        var model = RandomModels.KosmosG(KosmosGConfig.Load(configPath), compute);
        var prompt = new RandomKosmosGPrompt(model);
        return new Encode(model, () => prompt.Encode(model, guided: true), prompt.Flops(model, guided: true),
            [$"random weights at {configPath}'s size; condition encode of a {prompt.Tokens.shape[1]}-token prompt with {prompt.Pixels.shape[0]} images, plus the unconditional branch"],
            [prompt]);
    }

    static Encode FromFolder(string path, string prompt, ComputeOptions compute)
    {
        var folder = KosmosGModelFolder.Open(path);
        var config = KosmosGConfig.Load(folder.ConfigPath);
        var load = Stopwatch.StartNew();
        var model = KosmosGModel.Load(config, folder.WeightsPath, dtype: compute.DType);
        var loadSeconds = load.Elapsed.TotalSeconds;
        var resident = BenchSupport.PeakResidentBytes();
        var weightBytes = BenchSupport.WeightBytes(model);

        var built = folder.PromptBuilder(config).Build(prompt, prompt.Split(KosmosGPromptBuilder.ImageMarker).Length - 1);
        var size = config.Vision.ImageSize;
        var images = Enumerable.Range(0, built.ImageMask.Count(m => m) / config.ImageTokenLength)
            .Select(i => new RgbImage(size, size, RandomPixels(size, i))).ToList();
        var tokens = tensor(built.Tokens, [1, built.Tokens.Length]);
        var mask = tensor(built.ImageMask, [1, built.ImageMask.Length]);
        var pixels = images.Count == 0 ? null : config.Vision.CreatePreprocessor().PreprocessBatch(images);
        var flops = KosmosGFlops.EncodeEstimate(model, built.Tokens.Length, images.Count) + KosmosGFlops.EncodeEstimate(model, 1, 0);
        return new Encode(model, () => model.EncodeCondition(tokens, mask, pixels, negativeTokens: null, imagesPerPrompt: 1), flops,
            [$"loaded in {loadSeconds:F1} s; peak resident memory after loading: {resident / 1e9:F2} GB = {(double)resident / weightBytes:F2}x the weights",
             $"condition encode of \"{prompt}\" (T = {built.Tokens.Length}, {images.Count} images), plus the unconditional branch"],
            [tokens, mask, pixels]);
    }

    static byte[] RandomPixels(int size, int seed)
    {
        var pixels = new byte[size * size * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}
