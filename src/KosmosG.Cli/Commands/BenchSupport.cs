using KosmosG.Cli.Terminal;
using KosmosG.Diagnostics;
using KosmosG.Pipelines;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>What every `bench` shares: timing runs, the machine's peak measured in the same run, the `NN% of peak`
/// line other checks read, peak resident memory and the per-module profile.</summary>
internal static class BenchSupport
{
    public sealed record Timings(IReadOnlyList<RunTime> Runs)
    {
        public double Median => Sorted(r => r.Seconds)[Runs.Count / 2];
        public double CpuMedian => Sorted(r => r.CpuSeconds)[Runs.Count / 2];
        public RunTime MedianRun => new(Median, CpuMedian, Runs[0].Threads);
        double[] Sorted(Func<RunTime, double> key) => Runs.Select(key).Order().ToArray();

        public string Describe(int warmup) =>
            $"median {Median * 1000:F1} ms (min {Sorted(r => r.Seconds)[0] * 1000:F1}, max {Sorted(r => r.Seconds)[^1] * 1000:F1}) over {Runs.Count} runs " +
            $"after {warmup} warm-up; CPU time median {CpuMedian * 1000:F1} ms";
    }

    public static Timings Time(int warmup, int runs, Action body)
    {
        var times = new List<RunTime>();
        for (var i = 0; i < warmup + runs; i++)
        {
            var time = RunTime.Measure(() => { using (NewDisposeScope()) body(); });
            if (i >= warmup) times.Add(time);
        }
        return new Timings(times);
    }

    public static void ApplyThreads(ArgParser a)
    {
        if (a.Int("--threads", 1, 1024) is { } threads) set_num_threads(threads);
    }

    /// <summary>Measures and prints the peak this run's rates are compared with.</summary>
    public static MachinePeak.Result MeasurePeak(ComputeOptions compute)
    {
        var peak = MachinePeak.Measure(compute.DType, compute.Device);
        Console.WriteLine($"peak: {peak.GFlops:F1} GFLOP/s {compute.DTypeName} ({peak.Best.Shape}), measured in this run, {get_num_threads()} threads; " +
                          $"by CPU time {peak.CpuGFlops:F1} GFLOP/s");
        return peak;
    }

    /// <summary>"X GFLOP/s = NN% of peak" (the format other checks rely on), then the same by CPU time: the figure
    /// that still describes the code when other processes share the cores.</summary>
    public static string OfPeak(double flops, RunTime time, MachinePeak.Result peak)
    {
        var rate = flops / time.Seconds / 1e9;
        var cpuRate = time.CpuRate(flops) / 1e9;
        return $"{rate:F1} GFLOP/s = {100 * rate / peak.GFlops:F0}% of peak (by CPU time {cpuRate:F1} GFLOP/s = {100 * cpuRate / peak.CpuGFlops:F0}% of the peak's)";
    }

    /// <summary>VmHWM: the most resident memory this process has had.</summary>
    public static long PeakResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public static long WeightBytes(nn.Module module) => module.parameters().Sum(p => p.numel() * p.ElementSize);

    /// <summary>Runs <paramref name="body"/> once more with a <see cref="ModuleProfiler"/> attached and prints the result.</summary>
    public static void Profile(nn.Module model, Action body)
    {
        using var profiler = new ModuleProfiler(model);
        var time = RunTime.Measure(() => { using (NewDisposeScope()) body(); });
        PrintProfile(profiler, time, "one run");
    }

    /// <summary>Self time per module type, wall clock and process CPU time; "between modules" is the rest of
    /// <paramref name="total"/> (the glue in callers that are not hooked).</summary>
    public static void PrintProfile(ModuleProfiler profiler, RunTime total, string what)
    {
        var entries = profiler.Entries;
        Console.WriteLine($"profile ({what}, {total.Seconds * 1000:F1} ms, CPU time {total.CpuSeconds * 1000:F1} ms; self = in the module minus its hooked children):");
        Console.WriteLine($"  {"module type",-26} {"calls",6} {"self ms",10} {"self CPU ms",12} {"CPU %",6} {"inclusive ms",13}");
        foreach (var e in entries)
            Console.WriteLine($"  {e.Type,-26} {e.Calls,6} {e.SelfSeconds * 1000,10:F1} {e.SelfCpuSeconds * 1000,12:F1} {100 * e.SelfCpuSeconds / total.CpuSeconds,5:F1}% {e.InclusiveSeconds * 1000,13:F1}");
        var (glue, glueCpu) = (total.Seconds - entries.Sum(e => e.SelfSeconds), total.CpuSeconds - entries.Sum(e => e.SelfCpuSeconds));
        Console.WriteLine($"  {"(between modules)",-26} {"",6} {glue * 1000,10:F1} {glueCpu * 1000,12:F1} {100 * glueCpu / total.CpuSeconds,5:F1}%");
    }

    /// <summary>A diffusers component from --model (a diffusers folder or a KOSMOS-G folder's sd/) or, with --config,
    /// built at that config's size with random weights.</summary>
    public static T LoadComponent<T>(ArgParser a, string component, Func<string, string, T> load, Func<string, T> random)
    {
        if (a.String("--model") is { } model)
        {
            var folder = DiffusersFolder.Open(KosmosGModelFolder.IsKosmosG(model) ? Path.Combine(model, KosmosGModelFolder.StableDiffusionFolder) : model);
            return load(folder.ConfigPath(component), folder.WeightsPath(component));
        }
        var config = a.String("--config") ?? throw new UsageException($"bench {component} needs --model DIR or --config FILE");
        return random(config);
    }

    /// <summary>The timing and share-of-peak lines of a repeated benchmark, then the profile when --profile is given.</summary>
    public static void Report(ArgParser a, string what, Timings times, int warmup, double flops, MachinePeak.Result peak, nn.Module model, Action body)
    {
        Console.WriteLine($"{what}: {times.Describe(warmup)}");
        Console.WriteLine($"work: {flops / 1e12:F3} TFLOP per {what} -> {OfPeak(flops, times.MedianRun, peak)}");
        if (a.Has("--profile")) Profile(model, body);
    }
}
