using System.Text.Json;
using System.Text.RegularExpressions;
using KosmosG.ToyWorld;

namespace KosmosG.Cli.Tests;

/// <summary>`eval toy` end to end on the tiny KOSMOS-G fixture (random weights: the scores are only checked for range;
/// the scoring itself is tested with exact renders and noise in KosmosG.Core.Tests ToyEvaluatorTests).</summary>
public class ToyEvalTests(TinyKosmosGFolders folders) : IClassFixture<TinyKosmosGFolders>
{
    [Fact]
    public void RunsEndToEndWithBothFidelityLinesAGridAndJson()
    {
        using var dir = new TempDir();
        var (code, output, error) = CliRunner.Run("eval", "toy", "--model", folders.WithTextEncoder, "--count", "3", "--seed", "1",
            "--steps", "2", "--guidance", "3", "--scheduler", "euler", "--grid", dir["grid.png"], "--json", dir["eval.json"]);

        Assert.True(code == 0, error + output);
        var cases = ToyEvalPrompts.Select(3, seed: 1);
        foreach (var c in cases) Assert.Contains(c.Prompt.Prompt, output);
        Assert.Matches(@"subject fidelity  [01]\.\d{3}  \(3 images with subject images\)", output);
        Assert.Matches(@"text fidelity     [01]\.\d{3}  \(3 images\)", output);
        Assert.Matches(@"reference         [01]\.\d{3}  \(text fidelity of the full captions through sd/, 3 images\)", output);
        Assert.Matches(@"time per image    \d+\.\d\d s \(reference \d+\.\d\d s\)", output);

        // Grid: 3 rows of (subject slots | generated | expected), 64 px cells with 4 px gaps, scaled x2.
        var slots = cases.Max(c => c.Prompt.Images.Count);
        var grid = PngFiles.Pixels(File.ReadAllBytes(dir["grid.png"]));
        Assert.Equal(new long[] { 3, 2 * (4 + 3 * 68), 2 * (4 + (slots + 2) * 68) }, grid.shape);

        using var json = JsonDocument.Parse(File.ReadAllText(dir["eval.json"]));
        var root = json.RootElement;
        Assert.Equal((2, 3.0, "euler", 1), (root.GetProperty("steps").GetInt32(), root.GetProperty("guidance").GetDouble(),
            root.GetProperty("scheduler").GetString(), root.GetProperty("seed").GetInt32()));
        Assert.InRange(root.GetProperty("subject_fidelity").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("reference").GetProperty("text_fidelity").GetDouble(), 0, 1);
        var prompts = root.GetProperty("prompts").EnumerateArray().ToList();
        Assert.Equal(cases.Select(c => (c.Prompt.Prompt, c.Seed)), prompts.Select(p => (p.GetProperty("prompt").GetString()!, p.GetProperty("seed").GetInt64())));
        Assert.Equal([1L, 2L, 3L], prompts.Select(p => p.GetProperty("seed").GetInt64()));
        Assert.All(prompts, p => Assert.All(p.GetProperty("subjects").EnumerateArray(),
            s => Assert.Contains(s.GetString(), ToyWorldSets.ZeroShotSubjects.Select(z => z.Words))));
        Assert.All(prompts, p => Assert.InRange(p.GetProperty("reference_text_fidelity").GetDouble(), 0, 1));
    }

    [Fact]
    public void AdapterPartsOnTheDemoModelReportEachHeldOutCaseAndASummary()
    {
        // No --model: the demo model with its ControlNet canny and LoRA large. Two steps: the figures are only checked for form.
        using var dir = new TempDir();
        var images = dir["images"];
        var (code, output, error) = CliRunner.Run("eval", "toy", "--parts", "controlnet,lora", "--adapter-count", "2", "--steps", "2", "--seed", "3",
            "--adapter-images", images);

        Assert.True(code == 0, error + output);
        // --adapter-images keeps every judged image: one per layout, the plain and the LoRA image per prompt.
        Assert.Equal(["controlnet-000.png", "controlnet-001.png", "lora-000-large.png", "lora-000-plain.png", "lora-001-large.png", "lora-001-plain.png"],
            Directory.GetFiles(images).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(Directory.GetFiles(images), f => Assert.Equal(ToyRenderer.Size, new KosmosG.Imaging.ImageDecoder().Decode(File.ReadAllBytes(f)).Width));
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Count(l => Regex.IsMatch(l,
            @"^controlnet +[01]: (red|green|blue|yellow|purple|orange) (circle|square|triangle) in a (circle|square|triangle) x\d\.\d\d at \(\d+, \d+\): " +
            @"colour (yes, centre error \d+\.\d px|no, centre error NaN px), fill [01]\.\d\d, shape (right|wrong)$")));
        Assert.Matches(@"controlnet canny: layout followed [01]\.\d{3} \(centre within 6 px [01]\.\d{3}, shape [01]\.\d{3}\), subject colour [01]\.\d{3} \(2 held-out layouts\)", output);
        Assert.Equal(2, lines.Count(l => Regex.IsMatch(l,
            @"^lora +[01]: <i> (on the left|on the right|at the top|at the bottom|in the center) on a (white|black|gray) background \[\w+ \w+\]: \d+ -> \d+ px, fill [01]\.\d\d -> [01]\.\d\d, shape and colour (kept|lost)$")));
        Assert.Matches(@"lora large: area ratio mean (\d+\.\d\d|NaN), median (\d+\.\d\d|NaN); subject fidelity [01]\.\d{3} with it, [01]\.\d{3} without \(2 held-out prompts\)", output);
        // Only the asked parts: no base-model score.
        Assert.DoesNotContain("text fidelity", output);

        // The held-out cases depend on the seed only: the LoRA part alone repeats the same LoRA lines.
        var (loraCode, loraOutput, loraError) = CliRunner.Run("eval", "toy", "--parts", "lora", "--adapter-count", "2", "--steps", "2", "--seed", "3");
        Assert.True(loraCode == 0, loraError + loraOutput);
        Assert.DoesNotContain("controlnet", loraOutput);
        Assert.Equal(lines.Where(l => l.StartsWith("lora", StringComparison.Ordinal)), loraOutput.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Length > 0));
    }

    [Fact]
    public void AdapterPartsOnAFolderWithoutTheAdaptersSayTheyDidNotRun()
    {
        var (code, output, error) = CliRunner.Run("eval", "toy", "--model", folders.WithTextEncoder, "--parts", "controlnet,lora", "--adapter-count", "1");
        Assert.True(code == 0, error + output);
        Assert.Contains("controlnet canny: not run (the model folder has no controlnets/canny/)", output);
        Assert.Contains("lora large: not run (the model folder has no loras/large.safetensors)", output);
        Assert.DoesNotContain("held-out", output);
    }

    [Fact]
    public void WithoutATextEncoderInSdTheReferenceLineSaysWhy()
    {
        var (code, output, error) = CliRunner.Run("eval", "toy", "--model", folders.Converted, "--count", "1", "--steps", "1");
        Assert.True(code == 0, error + output);
        Assert.Contains("text fidelity", output);
        Assert.Contains("reference         -      (not run: sd/ has no text_encoder or tokenizer", output);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("sd-only")]
    public void AMissingOrNonKosmosGModelFolderIsAUsageError(string which)
    {
        using var dir = new TempDir();
        var model = which == "missing" ? dir["nope"] : Fixtures.Sd15TinyPipeline;
        var (code, _, error) = CliRunner.Run("eval", "toy", "--model", model);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: --model", error);
        Assert.Contains(which == "missing" ? "folder not found" : "is not a KOSMOS-G model folder", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("eval", "shapes")]
    [InlineData("eval", "toy", "--count", "0")]
    [InlineData("eval", "toy", "--count", "100000")]
    [InlineData("eval", "toy", "--seed", "-1")]
    [InlineData("eval", "toy", "--scheduler", "heun")]
    [InlineData("eval", "toy", "--steps")]
    [InlineData("eval", "toy", "--colour", "red")]
    [InlineData("eval", "toy", "--parts", "controlnet,style")]
    [InlineData("eval", "toy", "--adapter-count", "0")]
    [InlineData("eval", "toy", "--dtype", "fp64")]
    public void BadCommandLinesAreUsageErrors(params string[] args)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains("kosmosg eval toy", error);
    }
}
