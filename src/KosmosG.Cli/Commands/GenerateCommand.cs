using KosmosG.Cli.Terminal;
using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Schedulers;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>`kosmosg generate`: one prompt (with &lt;i&gt; images for KOSMOS-G) to PNG files.</summary>
public static class GenerateCommand
{
    public const string Usage =
        "kosmosg generate [--model DIR] --prompt TEXT [--image FILE]... [--negative-prompt TEXT] [--steps N] [--guidance G]\n" +
        "                 [--scheduler dpms|pndm|ddim|euler|euler-a] [--width W] [--height H] [--seed S] [--n N]\n" +
        "                 [--dtype fp32|bf16|fp16] [--device cpu|cuda:N] [--latents FILE] [--save-latents FILE]\n" +
        "                 [--save-condition FILE] --out FILE.png";

    static readonly string[] ValueFlags =
    [
        "--model", "--prompt", "--image", "--negative-prompt", "--steps", "--guidance", "--scheduler", "--width", "--height",
        "--seed", "--n", "--dtype", "--device", "--latents", "--save-latents", "--save-condition", "--out",
    ];

    public static int Run(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var a = new ArgParser(args, ValueFlags, repeatable: ["--image"]);
        var prompt = a.Required("--prompt");
        var output = a.Required("--out");
        var modelPath = a.String("--model") ?? DefaultModel.Path();
        var dtype = a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32";
        var scheduler = a.Choice("--scheduler", SchedulerFactory.Names);
        // Ranges are GenerationLimits.Model's, checked below once the model's defaults are known.
        var steps = a.Int("--steps");
        var guidance = a.Double("--guidance");
        var width = a.Int("--width");
        var height = a.Int("--height");
        var count = a.Int("--n") ?? 1;
        var seed = a.Long("--seed") ?? Random.Shared.NextInt64(0, int.MaxValue);
        var images = a.All("--image").Select(LoadImage).ToList();
        var compute = ComputeOptions.Parse(a.String("--device") ?? "cpu", dtype);

        using var pipeline = ImageGenerators.Load(modelPath, compute);
        var defaults = pipeline.Info.Defaults;
        var request = new GenerationRequest
        {
            Prompt = prompt,
            Images = images,
            NegativePrompt = a.String("--negative-prompt") ?? "",
            Steps = steps ?? defaults.Steps,
            GuidanceScale = guidance ?? defaults.GuidanceScale,
            Scheduler = scheduler ?? defaults.Scheduler,
            Width = width ?? defaults.Width,
            Height = height ?? defaults.Height,
            Seed = seed,
            Count = count,
        };
        // A flag out of range is a usage error (exit 2); what the model refuses (markers vs images) a failure (exit 1).
        try { GenerationLimits.Model.Check(request); }
        catch (GenerationRequestException e) { throw new UsageException(e.Message); }
        pipeline.Validate(request);

        if (a.String("--save-condition") is { } conditionPath) SaveCondition(pipeline, request, conditionPath);

        using var latents = a.String("--latents") is { } latentsPath ? ReadLatents(latentsPath) : null;
        var bar = new ProgressBar("denoising");
        var result = pipeline.Generate(request, latents, new GenerationCallbacks { Step = bar.Report }, cancellationToken,
            final => { if (a.String("--save-latents") is { } path) SafeTensorsWriter.Save(path, [new("latents", final.to(ScalarType.Float32).cpu())]); });

        foreach (var image in result.Images)
        {
            var path = count == 1 ? output : NumberedPath(output, image.Index);
            File.WriteAllBytes(path, image.Png);
            Console.WriteLine($"{path}  seed {image.Seed}");
        }
        var t = result.Timings;
        Console.WriteLine($"encode {t.Encode.TotalMilliseconds:F0} ms, denoise {t.Denoise.TotalMilliseconds:F0} ms, decode {t.Decode.TotalMilliseconds:F0} ms, png {t.EncodePng.TotalMilliseconds:F0} ms");
        return 0;
    }

    /// <summary>FILE.png -> FILE-3.png</summary>
    static string NumberedPath(string path, int index) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}-{index}{Path.GetExtension(path)}");

    static RgbImage LoadImage(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--image file not found: {path}");
        return new ImageDecoder().Decode(File.ReadAllBytes(path));
    }

    static Tensor ReadLatents(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        if (!file.Contains("latents")) throw new UsageException($"--latents file '{path}' has no tensor named 'latents'");
        return file.Read("latents").to(ScalarType.Float32);
    }

    static void SaveCondition(DiffusionPipeline pipeline, GenerationRequest request, string path)
    {
        if (pipeline is not KosmosGPipeline kosmos) throw new UsageException("--save-condition needs a KOSMOS-G model");
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var condition = kosmos.EncodePrompt(request.Prompt, request.Images).repeat(request.Count, 1, 1);
        var uncond = kosmos.EncodeUnconditional(request.NegativePrompt);
        SafeTensorsWriter.Save(path, [new("condition", condition.to(ScalarType.Float32).cpu()), new("uncond", uncond.to(ScalarType.Float32).cpu())]);
    }
}
