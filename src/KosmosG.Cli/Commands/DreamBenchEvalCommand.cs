using System.Globalization;
using System.Text.Json;
using KosmosG.Cli.Terminal;
using KosmosG.Evaluation.DreamBench;
using KosmosG.Imaging;
using KosmosG.Pipelines;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `kosmosg eval dreambench`: the paper's DreamBench numbers (DINO, CLIP-I, CLIP-T) for a folder of generated images.
/// With --model, the images missing from --out are generated first with the official protocol (resumable).
/// </summary>
public static class DreamBenchEvalCommand
{
    public const string Usage =
        "kosmosg eval dreambench --data DATASET --out OUTPUT --dino DIR --clip DIR [--model DIR] [--score-only] [--json FILE]\n" +
        "                 [--report DIR] [--n N] [--steps K] [--guidance G] [--dtype fp32|bf16|fp16] [--device cpu|cuda:N]";

    public static int Run(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var a = new ArgParser(args, ["--data", "--out", "--dino", "--clip", "--model", "--json", "--report", "--n", "--steps", "--guidance", "--dtype", "--device"],
            ["--score-only"]);
        var data = a.Required("--data");
        var output = Path.TrimEndingDirectorySeparator(a.Required("--out"));
        var dinoDir = a.Required("--dino");
        var clipDir = a.Required("--clip");
        var jsonPath = a.String("--json");
        var reportDir = a.String("--report") ?? output + "-report";
        var d = new DreamBenchSettings();
        var settings = d with
        {
            ImagesPerPrompt = a.Int("--n", 1, 64) ?? d.ImagesPerPrompt,
            Steps = a.Int("--steps", 1, 1000) ?? d.Steps,
            GuidanceScale = a.Double("--guidance", 0, 100) ?? d.GuidanceScale,
        };
        var dtype = a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32";
        var compute = ComputeOptions.Parse(a.String("--device") ?? "cpu", dtype);
        foreach (var (flag, dir) in new[] { ("--data", data), ("--dino", dinoDir), ("--clip", clipDir) })
            if (!Directory.Exists(dir)) throw new UsageException($"{flag} folder not found: {dir}");
        var model = a.String("--model");
        if (model is not null && a.Has("--score-only"))
        {
            Console.Error.WriteLine("note: --score-only given, so --model is not used: nothing is generated");
            model = null;
        }

        try
        {
            string? generation = null;
            if (model is not null) generation = Generate(model, data, output, settings, compute, cancellationToken);
            var samples = DreamBenchSample.ScanFolder(output, data);
            Console.WriteLine($"scoring {samples.Count} images of {output} against {data}");
            DreamBenchScores scores;
            using (var models = MetricModels.Load(dinoDir, clipDir, compute.Device))
            using (var scorer = new DreamBenchScorer(models))
                scores = scorer.Score(samples, new ProgressBar("score").Report, cancellationToken);
            Print(scores);
            WriteReport(reportDir, scores, data, output, generation);
            if (jsonPath is not null)
            {
                File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { dino = scores.Dino, clip_i = scores.ClipI, clip_t = scores.ClipT, samples = scores.Samples.Count }));
                Console.WriteLine($"json: {jsonPath}");
            }
            return 0;
        }
        catch (ImageDecodeException e)
        {
            // Not an IOException: report it like one (the message names the file).
            throw new InvalidDataException(e.Message, e);
        }
    }

    static string Generate(string modelDir, string data, string output, DreamBenchSettings settings, ComputeOptions compute, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(modelDir)) throw new UsageException($"--model folder not found: {modelDir}");
        if (!KosmosGModelFolder.IsKosmosG(modelDir)) throw new UsageException($"--model '{modelDir}' is not a KOSMOS-G model folder");
        var prompts = DreamBenchPrompt.All(DreamBenchReference.Scan(data), settings.ImagesPerPrompt);
        var missing = DreamBenchGeneration.Missing(prompts, output);
        var summary = $"{prompts.Count} prompts x {settings.ImagesPerPrompt} images, {settings.Scheduler} {settings.Steps} steps, guidance " +
                      $"{settings.GuidanceScale.ToString(CultureInfo.InvariantCulture)}, seed {settings.Seed}, model {modelDir}";
        Console.WriteLine($"generate: {summary}; {missing.Count} prompts have images missing in {output}");
        if (missing.Count == 0) return summary;
        using var pipeline = KosmosGPipeline.Load(modelDir, compute);
        new DreamBenchGeneration(pipeline, settings).Run(missing, output, new ProgressBar("generate (steps)").Report, cancellationToken);
        return summary;
    }

    static void Print(DreamBenchScores s)
    {
        Console.WriteLine($"{"",-30} {"DINO",7} {"CLIP-I",7} {"CLIP-T",7}");
        Console.WriteLine($"{$"this run ({s.Samples.Count} samples)",-30} {s.Dino / 100,7:F3} {s.ClipI / 100,7:F3} {s.ClipT / 100,7:F3}");
        foreach (var (method, dino, clipI, clipT) in PaperResults.Rows)
            Console.WriteLine($"{method,-30} {dino,7:F3} {clipI,7:F3} {clipT,7:F3}");
        Console.WriteLine($"official x100 scale: DINO {s.Dino:F4}  CLIP-I {s.ClipI:F4}  CLIP-T {s.ClipT:F4}");
    }

    static void WriteReport(string reportDir, DreamBenchScores scores, string data, string output, string? generation)
    {
        Directory.CreateDirectory(reportDir);
        const string gridName = "grid.png";
        var grid = DreamBenchGrid.Render([.. scores.Samples.Select(s => s.Sample)], path => PilImageFile.LoadRgb(path));
        File.WriteAllBytes(Path.Combine(reportDir, gridName), PngEncoder.Encode(grid));
        var reportPath = Path.Combine(reportDir, "report.md");
        File.WriteAllText(reportPath, DreamBenchReport.Markdown(scores, data, output, gridName, generation));
        Console.WriteLine($"report: {reportPath}");
    }
}
