using System.Diagnostics;
using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>
/// Runs evaluation cases through an image source (a model, or in tests exact renders or noise) and judges each image
/// against its case's expected composition (TOYWORLD.md "How a generated image is judged").
/// </summary>
public static class ToyEvaluator
{
    /// <param name="generate">Draws the image for a case; timed per call.</param>
    /// <param name="progress">(cases done, total) after each case.</param>
    public static ToyEvalReport Run(IReadOnlyList<ToyEvalCase> cases, Func<ToyEvalCase, RgbImage> generate, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(generate);
        var results = new List<ToyEvalResult>(cases.Count);
        foreach (var c in cases)
        {
            var watch = Stopwatch.StartNew();
            var image = generate(c);
            results.Add(Score(c, image, watch.Elapsed));
            progress?.Invoke(results.Count, cases.Count);
        }
        return new ToyEvalReport(results, ToyJudge.Aggregate(results.Select(r => r.Judgement)));
    }

    /// <summary>Judges one generated image (any integer multiple or fraction of 64x64, see <see cref="ToyCanvas.Fit"/>).</summary>
    public static ToyEvalResult Score(ToyEvalCase evalCase, RgbImage generated, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(evalCase);
        var image = ToyCanvas.Fit(generated);
        return new ToyEvalResult(evalCase, image, ToyJudge.Judge(image, evalCase.Composition), elapsed);
    }
}
