using System.Text.Json;
using KosmosG.Evaluation.DreamBench;

namespace KosmosG.Cli.Tests;

/// <summary>`eval dreambench` end to end on the eval-tiny folder and the tiny KOSMOS-G model.</summary>
public class DreamBenchEvalTests(TinyKosmosGFolders folders) : IClassFixture<TinyKosmosGFolders>
{
    static readonly string Eval = Fixtures.EvalTiny;
    static string Dino => Path.Combine(Eval, "models", "dino-vits16-tiny");
    static string Clip => Path.Combine(Eval, "models", "clip-vit-base-patch32-tiny");
    static string Dataset => Path.Combine(Eval, "dreambench", "dataset");
    static string Output => Path.Combine(Eval, "dreambench", "output");

    static (int, string, string) Score(string data, string output, TempDir dir, params string[] extra) =>
        CliRunner.Run(["eval", "dreambench", "--data", data, "--out", output, "--dino", Dino, "--clip", Clip, "--report", dir["report"], .. extra]);

    [Fact]
    public void ScoresTheFixtureFolderToTheReferenceNumbers()
    {
        using var dir = new TempDir();
        var (code, output, error) = Score(Dataset, Output, dir, "--score-only", "--json", dir["scores.json"]);
        Assert.True(code == 0, error + output);
        Assert.Matches(@"KOSMOS-G \(paper, zero-shot\) +0\.694 +0\.847 +0\.287", output);
        Assert.Matches(@"this run \(8 samples\) +0\.678 +0\.741 +0\.088", output);

        var expected = EvalTinyCases.Case("dreambench_aggregate");
        var atol = EvalTinyCases.Atol("dreambench_aggregate", "per_sample_and_final");
        using var json = JsonDocument.Parse(File.ReadAllText(dir["scores.json"]));
        var root = json.RootElement;
        Assert.Equal(["dino", "clip_i", "clip_t", "samples"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(8, root.GetProperty("samples").GetInt32());
        foreach (var (key, tensor) in new[] { ("dino", "dino_score"), ("clip_i", "clip_i_score"), ("clip_t", "clip_t_score") })
            Assert.InRange(root.GetProperty(key).GetDouble() - expected[tensor].item<float>(), -atol, atol);

        var report = File.ReadAllText(dir[Path.Combine("report", "report.md")]);
        Assert.Contains("| bear_plushie | stuffed animal | 4 |", report);
        Assert.Contains("| dog6 | dog | 4 |", report);
        var grid = PngFiles.Pixels(File.ReadAllBytes(dir[Path.Combine("report", "grid.png")]));
        Assert.Equal(new long[] { 3, 4 + 2 * 132, 4 + 5 * 132 }, grid.shape); // 2 subjects x (reference + 4 images), 128 px + 4 px gaps
    }

    [Fact]
    public void BadInputIsAClearErrorNamingTheFile()
    {
        using var dir = new TempDir();
        TinyKosmosGFolders.CopyTree(Output, dir["bad-name"]);
        File.Copy(Directory.GetFiles(Output)[0], dir[Path.Combine("bad-name", "dog6+02+a dog.png")]);
        var (code, _, error) = Score(Dataset, dir["bad-name"], dir);
        Assert.Equal(1, code);
        Assert.Contains("dog6+02+a dog.png", error);

        TinyKosmosGFolders.CopyTree(Output, dir["no-ref"]);
        File.Copy(Directory.GetFiles(Output)[0], dir[Path.Combine("no-ref", "cat+00+0+a cat.png")]);
        (code, _, error) = Score(Dataset, dir["no-ref"], dir);
        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(Dataset, "cat", "00.jpg"), error);
        Assert.Contains("cat+00+0+a cat.png", error);

        Directory.CreateDirectory(dir["empty"]);
        (code, _, error) = Score(Dataset, dir["empty"], dir);
        Assert.Equal(1, code);
        Assert.Contains(dir["empty"], error);
        Assert.Contains("no generated .png", error);

        (code, _, error) = CliRunner.Run("eval", "dreambench", "--data", Dataset, "--out", Output, "--clip", Clip);
        Assert.Equal(2, code);
        Assert.Contains("--dino is required", error);
    }

    [Fact]
    public void GeneratesWhatIsMissingAndResumes()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir[Path.Combine("data", "dog6")]);
        File.Copy(Path.Combine(Dataset, "dog6", "02.jpg"), dir[Path.Combine("data", "dog6", "02.jpg")]);
        string[] generate = ["--model", folders.Converted, "--n", "1", "--steps", "2", "--json", dir["scores.json"]];
        var (code, output, error) = Score(dir["data"], dir["out"], dir, generate);
        Assert.True(code == 0, error + output);
        Assert.Contains("25 prompts have images missing", output);
        var files = Directory.GetFiles(dir["out"]).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        // One reference, 25 prompts x 1 image: pos = batch * 5 + slot = the prompt index.
        var expected = Enumerable.Range(0, 25).Select(k => DreamBenchSample.FileName("dog6", "02", k, DreamBenchPrompts.MetricText("dog6", k)))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, files);
        using (var json = JsonDocument.Parse(File.ReadAllText(dir["scores.json"])))
            Assert.Equal(25, json.RootElement.GetProperty("samples").GetInt32());

        // Resume: two images removed are made again, identical; the others are kept.
        var removed = new[] { files[3], files[17] }.Select(f => Path.Combine(dir["out"], f)).ToList();
        var before = removed.Select(File.ReadAllBytes).ToList();
        foreach (var f in removed) File.Delete(f);
        var keptTime = File.GetLastWriteTimeUtc(Path.Combine(dir["out"], files[0]));
        (code, output, error) = Score(dir["data"], dir["out"], dir, generate);
        Assert.True(code == 0, error + output);
        Assert.Contains("2 prompts have images missing", output);
        Assert.Equal(before, removed.Select(File.ReadAllBytes));
        Assert.Equal(keptTime, File.GetLastWriteTimeUtc(Path.Combine(dir["out"], files[0])));
    }
}
