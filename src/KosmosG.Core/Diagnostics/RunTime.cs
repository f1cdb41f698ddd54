using System.Diagnostics;

namespace KosmosG.Diagnostics;

/// <summary>
/// One timed run: wall-clock seconds and the CPU seconds the process used meanwhile, with the intra-op thread count.
/// <see cref="CpuRate"/> (work per CPU-second times the threads) is the rate the run would have had with its cores to
/// itself, the figure that stays comparable when other processes share the machine.
/// </summary>
public sealed record RunTime(double Seconds, double CpuSeconds, int Threads)
{
    public static RunTime Zero => new(0, 0, TorchSharp.torch.get_num_threads());

    public static RunTime Measure(Action body)
    {
        var clock = Clock.Start();
        body();
        return clock.Stop();
    }

    public double CpuRate(double flops) => flops / CpuSeconds * Threads;

    public static RunTime operator +(RunTime a, RunTime b) => new(a.Seconds + b.Seconds, a.CpuSeconds + b.CpuSeconds, a.Threads);

    /// <summary>A started measurement (for spans that begin and end in different callbacks, such as module hooks).</summary>
    public sealed class Clock
    {
        readonly long _start = Stopwatch.GetTimestamp();
        readonly double _cpu = ProcessCpuTime.Seconds();

        public static Clock Start() => new();

        public RunTime Stop() =>
            new(Stopwatch.GetElapsedTime(_start).TotalSeconds, ProcessCpuTime.Seconds() - _cpu, TorchSharp.torch.get_num_threads());
    }
}
