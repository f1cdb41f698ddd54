using KosmosG.Evaluation.DreamBench;

namespace KosmosG.Tests.Evaluation;

/// <summary>The official prompt tables, file names and generation order against the eval-tiny DreamBench-like folder.</summary>
public class DreamBenchProtocolTests
{
    [Fact]
    public void TheFixtureFileNamesAreTheOfficialOnes()
    {
        var references = DreamBenchReference.Scan(EvalTinyCases.DatasetDir);
        Assert.Equal(["bear_plushie/03", "dog6/02"], references.Select(r => $"{r.Subject}/{r.ObjectId}"));
        var official = DreamBenchPrompt.All(references, imagesPerPrompt: 4).SelectMany(p => Enumerable.Range(0, 4).Select(p.FileName)).ToHashSet();
        Assert.Equal(2 * 25 * 4, official.Count);
        var files = Directory.GetFiles(EvalTinyCases.OutputDir, "*.png").Select(f => Path.GetFileName(f)).ToList();
        Assert.Equal(8, files.Count);
        Assert.All(files, f => Assert.Contains(f, official));
    }

    [Fact]
    public void PromptTablesFollowTheSubjectKind()
    {
        Assert.Equal("a stuffed animal in the jungle", DreamBenchPrompts.MetricText("bear_plushie", 0));
        Assert.Equal("a purple stuffed animal", DreamBenchPrompts.MetricText("bear_plushie", 21));
        Assert.Equal("a dog wearing a santa hat", DreamBenchPrompts.MetricText("dog6", 11));
        Assert.Equal("a backpack with the Eiffel Tower in the background", DreamBenchPrompts.MetricText("backpack", 12));
        Assert.Equal("<i> wearing a santa hat", DreamBenchPrompts.KosmosGPrompt("dog6", 11));
        Assert.Equal("<i>, cube shaped", DreamBenchPrompts.KosmosGPrompt("vase", 24));
        Assert.Equal(30, DreamBenchPrompts.Objects.Count + DreamBenchPrompts.LiveObjects.Count);
    }

    [Fact]
    public void FileNamesParseLikeTheOfficialSplit()
    {
        var s = DreamBenchSample.Parse("/x/dog6+02+141+a dog wearing a santa hat.png", "/data");
        Assert.Equal(("dog6", "02", "141", "a dog wearing a santa hat", Path.Combine("/data", "dog6", "02.jpg")),
            (s.Subject, s.ObjectId, s.Pos, s.Prompt, s.ReferencePath));
        var e = Assert.Throws<InvalidDataException>(() => DreamBenchSample.Parse("/x/dog6+02+a dog.png", "/data"));
        Assert.Contains("/x/dog6+02+a dog.png", e.Message);
    }
}
