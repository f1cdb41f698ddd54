using System.Diagnostics;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Tests;

/// <summary>
/// Retry-After from the drain rate: ceil((waiting + 1) / rate) with rate = (finishes - 1) / (now - oldest finish),
/// at least 1 s. Finishes are recorded at real times, so each expectation is bounded by a stopwatch around the calls
/// instead of assuming exact sleeps: the answer must never be below the estimated drain time (no rounding down).
/// </summary>
public sealed class DrainRateTests
{
    [Fact]
    public void Without_two_finishes_the_fallback_is_used_and_is_at_least_one_second()
    {
        var rate = new DrainRate();
        Assert.Equal(7, rate.RetryAfterSeconds(3, 7));
        Assert.Equal(1, rate.RetryAfterSeconds(3, 0));
        rate.Record();
        Assert.Equal(7, rate.RetryAfterSeconds(3, 7));
    }

    [Fact]
    public void Many_quick_finishes_still_ask_for_at_least_one_second()
    {
        var rate = new DrainRate();
        for (var i = 0; i < 40; i++) rate.Record();
        foreach (var waiting in new[] { 0, 1, 5, 100 })
            Assert.Equal(1, rate.RetryAfterSeconds(waiting, 0));
    }

    /// <summary>Only the last 32 finishes count: an old finish followed by a burst must not make the rate look slow.</summary>
    [Fact]
    public void Only_recent_finishes_set_the_rate()
    {
        var rate = new DrainRate();
        rate.Record();
        Thread.Sleep(1000);
        var burst = Stopwatch.StartNew();
        for (var i = 0; i < 32; i++) rate.Record();
        var answer = rate.RetryAfterSeconds(99, fallback: 999);
        // 32 finishes within the burst: rate >= 31 / burst, so 100 jobs drain in at most 100 * burst / 31 s. Counting the
        // old finish (33 over >= 1 s) would give ceil(100 / 32 * 1 s) = 4.
        var bound = Math.Max(1, Math.Ceiling(100 * (burst.Elapsed.TotalSeconds + 0.02) / 31));
        Assert.True(answer <= bound, $"Retry-After {answer} s; the last 32 finishes drain 100 jobs within {bound} s");
    }

    /// <summary>Drain times of about 1.1, 1.5 and 1.2 s (e.g. two finishes 0.55 s apart, 1 waiting + 1): the answer is 2 s.
    /// Rounding down gives 1, below the drain time unless the asking thread stalled for 0.2 s or more.</summary>
    [Theory]
    [InlineData(2, 550, 1)]
    [InlineData(3, 300, 4)]
    [InlineData(2, 400, 2)]
    public void Retry_after_is_the_drain_time_rounded_up(int finishes, int gapMs, int waiting)
    {
        var rate = new DrainRate();
        var clock = Stopwatch.StartNew();
        rate.Record();
        for (var i = 1; i < finishes; i++)
        {
            Thread.Sleep(gapMs);
            rate.Record();
        }
        var lower = (finishes - 1) * gapMs / 1000.0 - 0.02; // Environment.TickCount64 ticks in whole milliseconds or coarser
        var answer = rate.RetryAfterSeconds(waiting, fallback: 999);
        var upper = clock.Elapsed.TotalSeconds + 0.02;
        // span between the oldest finish and the call lies in [lower, upper]; rate = (finishes - 1) / span
        var drainLow = (waiting + 1) * lower / (finishes - 1);
        var drainHigh = (waiting + 1) * upper / (finishes - 1);
        Assert.True(answer >= drainLow && answer <= Math.Ceiling(drainHigh),
            $"Retry-After {answer} s is not the drain time {drainLow:0.###}..{drainHigh:0.###} s rounded up");
    }
}
