using System.Globalization;
using KosmosG.Adapters;
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
        "                 [--save-condition FILE] [--condition FILE] [--lora NAME|FILE[:SCALE]]... [--controlnet NAME|DIR|FILE --control-image FILE]...\n" +
        "                 [--control-scale S]... [--control-start F]... [--control-end F]... [--preprocessor none|canny]... [--guess-mode]\n" +
        "                 [--decoder FILE] [--model-config DIR] --out FILE.png";

    static readonly string[] ValueFlags =
    [
        "--model", "--prompt", "--image", "--negative-prompt", "--steps", "--guidance", "--scheduler", "--width", "--height",
        "--seed", "--n", "--dtype", "--device", "--latents", "--save-latents", "--save-condition", "--out",
        "--condition", "--lora", "--controlnet", "--control-image", "--control-scale", "--control-start", "--control-end", "--preprocessor",
        "--decoder", "--model-config",
    ];

    // Per-ControlNet flags: given once they apply to every net, else once per --controlnet in order.
    static readonly string[] Repeatable =
        ["--image", "--lora", "--controlnet", "--control-image", "--control-scale", "--control-start", "--control-end", "--preprocessor"];

    public static int Run(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var a = new ArgParser(args, ValueFlags, switchFlags: ["--guess-mode"], repeatable: Repeatable);
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
        var images = a.All("--image").Select(path => LoadImage("--image", path)).ToList();
        var compute = ComputeOptions.Parse(a.String("--device") ?? "cpu", dtype);
        var loras = a.All("--lora").Select(ParseLora).ToList();
        var controlNets = ControlNets(a);
        var given = a.String("--condition") is { } conditionFile ? ReadCondition(conditionFile) : null;

        var options = new ModelLoadOptions
        {
            Adapters = new AdapterOptions { AllowPaths = true },
            Decoder = a.String("--decoder") is { } decoder ? ExistingFile("--decoder", decoder) : null,
            ModelConfig = a.String("--model-config"),
        };
        using var pipeline = ImageGenerators.Load(modelPath, compute, options);
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
            Loras = loras,
            ControlNets = controlNets,
            GuessMode = a.Has("--guess-mode"),
        };
        // A flag out of range is a usage error (exit 2); what the model refuses (markers vs images) a failure (exit 1).
        try { GenerationLimits.Model.Check(request); }
        catch (GenerationRequestException e) { throw new UsageException(e.Message); }
        pipeline.Validate(request);

        if (a.String("--save-condition") is { } conditionPath) SaveCondition(pipeline, request, conditionPath);

        using var latents = a.String("--latents") is { } latentsPath ? ReadLatents(latentsPath) : null;
        var bar = new ProgressBar("denoising");
        var result = pipeline.Generate(request, latents, new GenerationCallbacks { Step = bar.Report }, cancellationToken,
            final => { if (a.String("--save-latents") is { } path) SafeTensorsWriter.Save(path, [new("latents", final.to(ScalarType.Float32).cpu())]); },
            given);
        foreach (var warning in result.Warnings) Console.Error.WriteLine($"warning: {warning}");

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

    /// <summary>NAME, FILE, NAME:0.7 or FILE:0.7 (the scale defaults to 1).</summary>
    static LoraRequest ParseLora(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon > 0 && double.TryParse(value[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var scale))
            return new LoraRequest(value[..colon], scale);
        return new LoraRequest(value);
    }

    static List<ControlNetRequest> ControlNets(ArgParser a)
    {
        var nets = a.All("--controlnet");
        var images = a.All("--control-image");
        if (nets.Count != images.Count)
            throw new UsageException($"--controlnet and --control-image pair up in order: got {nets.Count} --controlnet and {images.Count} --control-image");
        string PerNet(string flag, int i, string fallback)
        {
            var values = a.All(flag);
            if (values.Count > 1 && values.Count != nets.Count)
                throw new UsageException($"{flag} is given {values.Count} times: give it once (for every ControlNet) or once per --controlnet ({nets.Count})");
            return values.Count == 0 ? fallback : values[values.Count == 1 ? 0 : i];
        }
        double Number(string flag, int i, double fallback, double min, double max)
        {
            var text = PerNet(flag, i, fallback.ToString(CultureInfo.InvariantCulture));
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v : throw new UsageException($"{flag} must be a number from {min} to {max}, got '{text}'");
        }
        return nets.Select((net, i) =>
        {
            var preprocessor = PerNet("--preprocessor", i, ControlPreprocessors.None);
            if (!ControlPreprocessors.Names.Contains(preprocessor))
                throw new UsageException($"--preprocessor must be one of {string.Join("|", ControlPreprocessors.Names)}, got '{preprocessor}'");
            return new ControlNetRequest
            {
                Name = net,
                Image = LoadImage("--control-image", images[i]),
                Preprocessor = preprocessor,
                ConditioningScale = Number("--control-scale", i, 1.0, 0, 10),
                GuidanceStart = Number("--control-start", i, 0.0, 0, 1),
                GuidanceEnd = Number("--control-end", i, 1.0, 0, 1),
            };
        }).ToList();
    }

    /// <summary>The inverse of --save-condition: `condition` [n or 1, 77, D] and `uncond` [1, 77, D].</summary>
    static PromptEmbeddings ReadCondition(string path)
    {
        using var file = SafeTensorsFile.Open(ExistingFile("--condition", path));
        foreach (var name in new[] { "condition", "uncond" })
            if (!file.Contains(name)) throw new UsageException($"--condition file '{path}' has no tensor named '{name}'");
        return new PromptEmbeddings(file.Read("condition").to(ScalarType.Float32), file.Read("uncond").to(ScalarType.Float32));
    }

    static string ExistingFile(string flag, string path) => File.Exists(path) ? path : throw new UsageException($"{flag} file not found: {path}");

    /// <summary>FILE.png -> FILE-3.png</summary>
    static string NumberedPath(string path, int index) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}-{index}{Path.GetExtension(path)}");

    static RgbImage LoadImage(string flag, string path)
    {
        if (!File.Exists(path)) throw new UsageException($"{flag} file not found: {path}");
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
