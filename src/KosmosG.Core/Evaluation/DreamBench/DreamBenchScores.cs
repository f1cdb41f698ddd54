namespace KosmosG.Evaluation.DreamBench;

/// <summary>One sample's per-pair scores (x100, not clamped).</summary>
public sealed record SampleScores(DreamBenchSample Sample, float Dino, float ClipI, float ClipT);

/// <summary>A scored folder: every sample, and the three metrics as the official compute() returns them (x100, the mean
/// clamped at 0). The paper reports these / 100.</summary>
public sealed record DreamBenchScores(IReadOnlyList<SampleScores> Samples, float Dino, float ClipI, float ClipT)
{
    /// <summary>Per subject: sample count and the plain means of its per-pair scores (for the report).</summary>
    public IEnumerable<(string Subject, int Count, double Dino, double ClipI, double ClipT)> BySubject() =>
        Samples.GroupBy(s => s.Sample.Subject).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.Average(s => (double)s.Dino), g.Average(s => (double)s.ClipI), g.Average(s => (double)s.ClipT)));
}
