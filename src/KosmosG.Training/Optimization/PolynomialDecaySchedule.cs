namespace KosmosG.Training.Optimization;

/// <summary>
/// fairseq's <c>polynomial_decay</c> LR schedule as the official recipe uses it (warm-up 375, peak 1e-3, end 0,
/// power 1, total = max updates). <see cref="LearningRate"/> gives the rate of the update that follows
/// <paramref name="completedUpdates"/> updates: lr/warmup for the first, then fairseq's step_update(n).
/// </summary>
public sealed record PolynomialDecaySchedule(double PeakLr, int WarmupUpdates, long TotalUpdates, double EndLr = 0, double Power = 1)
{
    public double LearningRate(long completedUpdates)
    {
        if (PeakLr < 0 || WarmupUpdates < 0 || TotalUpdates <= 0)
            throw new ArgumentException($"invalid schedule: peak lr {PeakLr}, warm-up {WarmupUpdates}, total {TotalUpdates}");
        var n = Math.Max(completedUpdates, WarmupUpdates > 0 ? 1 : 0);
        if (WarmupUpdates > 0 && n <= WarmupUpdates) return PeakLr * n / WarmupUpdates;
        if (n >= TotalUpdates) return EndLr;
        var remaining = 1 - (double)(n - WarmupUpdates) / (TotalUpdates - WarmupUpdates);
        return (PeakLr - EndLr) * Math.Pow(remaining, Power) + EndLr;
    }
}
