using KosmosG.Cli.Terminal;
using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Schedulers;
using KosmosG.ToyWorld;
using KosmosG.Weights;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `kosmosg eval toy`: the shapes-world score of a KOSMOS-G model folder (docs: TOYWORLD.md). Generates held-out
/// interleaved prompts whose subject images are zero-shot subjects, judges each image, and runs the full text captions
/// of the same scenes through the folder's sd/ (the stage-0 text-to-image model) as the reference.
/// </summary>
public static class ToyEvalCommand
{
    public const string Usage =
        "kosmosg eval toy [--model DIR] [--count N] [--seed S] [--steps K] [--guidance G] [--scheduler dpms|pndm|ddim|euler|euler-a]\n" +
        "                 [--grid FILE.png] [--json FILE.json] [--parts base,controlnet,lora] [--adapter-count N] [--adapter-images DIR] [--dtype fp32|bf16|fp16]";

    public const int DefaultAdapterCount = 24;

    /// <summary>Two prompts of every (layout, background) pair (see <see cref="ToyEvalPrompts.Select"/>).</summary>
    public const int DefaultCount = 42;
    public const int GridRows = 6;
    public const int GridScale = 2;

    public static int Run(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        if (args.Count == 0 || args[0] != "toy") throw new UsageException("eval needs a target: toy or dreambench");
        var a = new ArgParser(args.Skip(1).ToList(), ["--model", "--count", "--seed", "--steps", "--guidance", "--scheduler", "--grid", "--json", "--parts", "--adapter-count", "--adapter-images", "--dtype"]);
        var seed = a.Int("--seed", 0, int.MaxValue) ?? 0;
        var available = ToyEvalPrompts.ZeroShot(seed).Count;
        var count = a.Int("--count", 1, available) ?? Math.Min(DefaultCount, available);
        var steps = a.Int("--steps");
        var guidance = a.Double("--guidance");
        try
        {
            if (steps is { } s) GenerationLimits.Model.CheckSteps(s);
            if (guidance is { } g) GenerationLimits.Model.CheckGuidanceScale(g);
        }
        catch (GenerationRequestException e) { throw new UsageException(e.Message); }
        var scheduler = a.Choice("--scheduler", SchedulerFactory.Names);
        var compute = ComputeOptions.Parse("cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32");
        var gridPath = a.String("--grid");
        var jsonPath = a.String("--json");
        var folder = OpenModelFolder(a.String("--model") ?? DefaultModel.Path());
        var parts = (a.String("--parts") ?? "base,controlnet,lora").Split(',');
        if (parts.Length == 0 || parts.Any(p => p is not ("base" or "controlnet" or "lora")))
            throw new UsageException($"--parts takes base, controlnet and/or lora separated by commas, got '{a.String("--parts")}'");
        var adapterCount = a.Int("--adapter-count", 1, 10_000) ?? DefaultAdapterCount;
        // The adapter parts run when the model folder has the demo adapters (controlnets/canny, loras/large.safetensors).
        var controlNet = parts.Contains("controlnet") && Directory.Exists(Path.Combine(folder.Root, "controlnets", ToyAdapterEval.ControlNetName));
        var lora = parts.Contains("lora") && File.Exists(Path.Combine(folder.Root, "loras", ToyAdapterEval.LoraName + ".safetensors"));
        if (parts.Contains("controlnet") && !controlNet)
            Console.WriteLine($"controlnet {ToyAdapterEval.ControlNetName}: not run (the model folder has no controlnets/{ToyAdapterEval.ControlNetName}/)");
        if (parts.Contains("lora") && !lora)
            Console.WriteLine($"lora {ToyAdapterEval.LoraName}: not run (the model folder has no loras/{ToyAdapterEval.LoraName}.safetensors)");
        var cases = ToyEvalPrompts.Select(count, seed);
        var referenceProblem = ReferenceProblem(folder);

        ToyEvalSettings settings;
        ToyEvalReport model;
        using (var pipeline = KosmosGPipeline.Load(folder.Root, compute))
        {
            var d = pipeline.Info.Defaults;
            settings = new ToyEvalSettings(pipeline.Info.Name, seed, steps ?? d.Steps, guidance ?? d.GuidanceScale, scheduler ?? d.Scheduler, d.Width, d.Height);
            ToyAdapterEval.Run(pipeline, settings, adapterCount, controlNet, lora, a.String("--adapter-images"), cancellationToken);
            if (!parts.Contains("base")) return 0;
            model = Evaluate(pipeline, cases, settings, "kosmos-g", cancellationToken);
        }
        ToyEvalReport? reference = null;
        if (referenceProblem is null)
        {
            using var sd = StableDiffusionPipeline.Load(folder.StableDiffusionDir, compute);
            reference = Evaluate(sd, [.. cases.Select(c => c.AsTextOnly())], settings, "reference", cancellationToken);
        }

        Print(settings, model, reference, referenceProblem);
        if (gridPath is not null)
        {
            File.WriteAllBytes(gridPath, PngEncoder.Encode(ToyEvalGrid.Render([.. model.Results.Take(GridRows)], GridScale)));
            Console.WriteLine($"grid: {gridPath}");
        }
        if (jsonPath is not null)
        {
            ToyEvalJson.Write(jsonPath, settings, model, reference);
            Console.WriteLine($"json: {jsonPath}");
        }
        return 0;
    }

    /// <summary>A missing or non-KOSMOS-G folder is a usage error: the command needs the interleaved model and its sd/.</summary>
    static KosmosGModelFolder OpenModelFolder(string path)
    {
        if (!Directory.Exists(path)) throw new UsageException($"--model folder not found: {path}");
        if (!KosmosGModelFolder.IsKosmosG(path))
            throw new UsageException($"--model '{path}' is not a KOSMOS-G model folder ({KosmosGModelFolder.WeightsFile} + {KosmosGModelFolder.DictionaryFile} + sd/)");
        try { return KosmosGModelFolder.Open(path); }
        catch (IOException e) { throw new UsageException(e.Message); }
    }

    /// <summary>Why sd/ cannot draw the text-only reference (a converted SD v1.5 keeps only the U-Net, VAE and scheduler), or null.</summary>
    static string? ReferenceProblem(KosmosGModelFolder folder)
    {
        var sd = DiffusersFolder.Open(folder.StableDiffusionDir);
        var missing = new[] { "text_encoder", "tokenizer" }.Where(c => !sd.HasComponent(c)).ToList();
        return missing.Count == 0 ? null : $"sd/ has no {string.Join(" or ", missing)}, so it is not a text-to-image model";
    }

    static ToyEvalReport Evaluate(DiffusionPipeline pipeline, IReadOnlyList<ToyEvalCase> cases, ToyEvalSettings settings, string label,
        CancellationToken cancellationToken)
    {
        var decoder = new ImageDecoder();
        var bar = new ProgressBar(label);
        return ToyEvaluator.Run(cases, c =>
        {
            var request = new GenerationRequest
            {
                Prompt = c.Prompt.Prompt,
                Images = c.Prompt.Images,
                Steps = settings.Steps,
                GuidanceScale = settings.Guidance,
                Scheduler = settings.Scheduler,
                Width = settings.Width,
                Height = settings.Height,
                Seed = c.Seed,
            };
            return decoder.Decode(pipeline.Generate(request, new GenerationCallbacks(), cancellationToken).Images[0].Png);
        }, bar.Report);
    }

    static void Print(ToyEvalSettings s, ToyEvalReport model, ToyEvalReport? reference, string? referenceProblem)
    {
        Console.WriteLine($"model {s.Model}: {model.Results.Count} zero-shot prompts, seed {s.Seed}, {s.Steps} steps, guidance {s.Guidance:0.##}, {s.Scheduler}, {s.Width}x{s.Height}");
        Console.WriteLine("   #   seed  subject   text    ref  prompt");
        for (var i = 0; i < model.Results.Count; i++)
        {
            var r = model.Results[i];
            var refText = reference is null ? "     -" : $"{reference.Results[i].Judgement.TextFidelity,6:F2}";
            Console.WriteLine($"{r.Case.Index,4} {r.Case.Seed,6} {r.Judgement.SubjectFidelity,8:F2} {r.Judgement.TextFidelity,6:F2} {refText}  " +
                              $"{r.Case.Prompt.Prompt}  [{string.Join(", ", r.Case.Prompt.Subjects)}]");
        }
        var m = model.Summary;
        Console.WriteLine($"subject fidelity  {m.SubjectFidelity:F3}  ({m.ImagesWithSubjects} images with subject images)");
        Console.WriteLine($"text fidelity     {m.TextFidelity:F3}  ({m.Images} images)");
        Console.WriteLine(reference is null
            ? $"reference         -      (not run: {referenceProblem})"
            : $"reference         {reference.Summary.TextFidelity:F3}  (text fidelity of the full captions through sd/, {reference.Summary.Images} images)");
        Console.WriteLine($"time per image    {model.TimePerImage.TotalSeconds:F2} s" +
                          (reference is null ? "" : $" (reference {reference.TimePerImage.TotalSeconds:F2} s)"));
    }
}
