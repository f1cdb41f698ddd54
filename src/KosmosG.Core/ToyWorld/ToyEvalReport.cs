namespace KosmosG.ToyWorld;

/// <summary>The results of one evaluation run, their mean scores, and the mean generation time per image.</summary>
public sealed record ToyEvalReport(IReadOnlyList<ToyEvalResult> Results, ToyScoreSummary Summary)
{
    public TimeSpan TimePerImage =>
        Results.Count == 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Round(Results.Average(r => r.Elapsed.Ticks)));
}
