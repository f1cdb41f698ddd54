namespace KosmosG.Evaluation.DreamBench;

/// <summary>
/// torchmetrics-style state of one metric: a float32 sum of per-pair scores (each batch's sum added in float32, as
/// <c>score += scores.sum(0)</c> into a float32 0-d tensor) and a sample count; the result is max(sum / n, 0): the
/// clamp applies to the mean only.
/// </summary>
public sealed class ScoreAccumulator
{
    float _sum;

    public long Count { get; private set; }

    public void Add(IReadOnlyList<float> batchScores)
    {
        var batchSum = 0f;
        foreach (var s in batchScores) batchSum += s;
        _sum += batchSum;
        Count += batchScores.Count;
    }

    /// <summary>sum / n in float32, before the clamp.</summary>
    public float MeanUnclamped => Count == 0 ? throw new InvalidOperationException("no samples were scored") : _sum / Count;

    /// <summary>The metric value on the official x100 scale.</summary>
    public float Score => Math.Max(MeanUnclamped, 0f);
}
