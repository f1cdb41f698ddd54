using KosmosG.Imaging;
using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

/// <summary>The scoring path of `kosmosg eval toy` fed without a model: exact renders, noise, deliberate mistakes.</summary>
public class ToyEvaluatorTests
{
    private static readonly IReadOnlyList<ToyEvalCase> Cases = ToyEvalPrompts.Select(42, seed: 3);

    [Fact]
    public void ExactRendersScoreOneForInterleavedAndTextOnlyPrompts()
    {
        var report = ToyEvaluator.Run(Cases, c => ToyRenderer.Render(c.Composition.Scene));
        Assert.Equal(new ToyScoreSummary(42, 42, 1.0, 1.0), report.Summary);
        var reference = ToyEvaluator.Run([.. Cases.Select(c => c.AsTextOnly())], c => ToyRenderer.Render(c.Composition.Scene));
        Assert.Equal(new ToyScoreSummary(42, 0, double.NaN, 1.0), reference.Summary);
    }

    [Fact]
    public void ExactRendersAtTwiceTheSizeScoreOne()
    {
        var report = ToyEvaluator.Run(Cases, c => ToyCanvas.Upscale(ToyRenderer.Render(c.Composition.Scene), 2));
        Assert.Equal((1.0, 1.0), (report.Summary.SubjectFidelity, report.Summary.TextFidelity));
        Assert.Equal(ToyRenderer.Render(Cases[0].Composition.Scene).Pixels, report.Results[0].Image.Pixels);
    }

    [Fact]
    public void UniformNoiseScoresZero()
    {
        var random = new Random(5);
        var report = ToyEvaluator.Run(Cases, _ =>
        {
            var pixels = new byte[64 * 64 * 3];
            random.NextBytes(pixels);
            return new RgbImage(64, 64, pixels);
        });
        Assert.Equal((0.0, 0.0), (report.Summary.SubjectFidelity, report.Summary.TextFidelity));
    }

    [Fact]
    public void ScoresSubjectsAgainstTheImagesAndTheRestAgainstTheText()
    {
        // One-object prompts: the subject is the image, so drawing another shape of its colour loses only the subject.
        var single = Cases.Where(c => c.Composition.Scene.Second is null).ToList();
        var report = ToyEvaluator.Run(single, c =>
        {
            var o = c.Composition.Scene.First;
            var other = ToyShape.All.First(s => s != o.Shape);
            return ToyRenderer.Render(new ToyScene(c.Composition.Scene.Background, o with { Shape = other }));
        });
        Assert.Equal((0.0, 1.0), (report.Summary.SubjectFidelity, report.Summary.TextFidelity));
    }

    [Fact]
    public void ReportsEveryCaseInOrderWithItsTime()
    {
        var progress = new List<(int, int)>();
        var report = ToyEvaluator.Run(Cases.Take(3).ToList(), c => ToyRenderer.Render(c.Composition.Scene), (d, t) => progress.Add((d, t)));
        Assert.Equal([(1, 3), (2, 3), (3, 3)], progress);
        Assert.Equal(Cases.Take(3), report.Results.Select(r => r.Case));
        Assert.All(report.Results, r => Assert.True(r.Elapsed > TimeSpan.Zero));
        Assert.Equal(report.Results.Average(r => r.Elapsed.Ticks), report.TimePerImage.Ticks, 0);
    }

    [Fact]
    public void AnImageOfNoWholeFactorOfTheCanvasIsAClearError()
    {
        var error = Assert.Throws<ArgumentException>(() => ToyEvaluator.Score(Cases[0], new RgbImage(48, 48, new byte[48 * 48 * 3]), TimeSpan.Zero));
        Assert.Contains("48x48", error.Message);
    }
}
