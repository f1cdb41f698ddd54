using System.Diagnostics;
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
    public sealed record Timings(IReadOnlyList<double> Seconds)
    {
        public double Median => Seconds[Seconds.Count / 2];
        public double Min => Seconds[0];
        public double Max => Seconds[^1];
        public string Describe(int warmup) =>
            $"median {Median * 1000:F1} ms (min {Min * 1000:F1}, max {Max * 1000:F1}) over {Seconds.Count} runs after {warmup} warm-up";
    }

    public static Timings Time(int warmup, int runs, Action body)
    {
        var times = new List<double>();
        for (var i = 0; i < warmup + runs; i++)
        {
            var watch = Stopwatch.StartNew();
            using (NewDisposeScope()) body();
            if (i >= warmup) times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
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
        Console.WriteLine($"peak: {peak.GFlops:F1} GFLOP/s {compute.DTypeName} ({peak.Best.Shape}), measured in this run, {get_num_threads()} threads");
        return peak;
    }

    /// <summary>"X GFLOP/s = NN% of peak": the line format other checks rely on.</summary>
    public static string OfPeak(double flops, double seconds, MachinePeak.Result peak)
    {
        var rate = flops / seconds / 1e9;
        return $"{rate:F1} GFLOP/s = {100 * rate / peak.GFlops:F0}% of peak";
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
        var watch = Stopwatch.StartNew();
        using (NewDisposeScope()) body();
        PrintProfile(profiler, watch.Elapsed.TotalSeconds, "one run");
    }

    /// <summary>Self time per module type; "between modules" is the rest of <paramref name="totalSeconds"/> (the glue
    /// in callers that are not hooked).</summary>
    public static void PrintProfile(ModuleProfiler profiler, double totalSeconds, string what)
    {
        var entries = profiler.Entries;
        Console.WriteLine($"profile ({what}, {totalSeconds * 1000:F1} ms; self time = time in the module minus its hooked children):");
        Console.WriteLine($"  {"module type",-26} {"calls",6} {"self ms",10} {"self %",7} {"inclusive ms",13}");
        foreach (var e in entries)
            Console.WriteLine($"  {e.Type,-26} {e.Calls,6} {e.SelfSeconds * 1000,10:F1} {100 * e.SelfSeconds / totalSeconds,6:F1}% {e.InclusiveSeconds * 1000,13:F1}");
        var glue = totalSeconds - entries.Sum(e => e.SelfSeconds);
        Console.WriteLine($"  {"(between modules)",-26} {"",6} {glue * 1000,10:F1} {100 * glue / totalSeconds,6:F1}%");
    }

    /// <summary>The diffusers folder of <paramref name="model"/>: itself, or a KOSMOS-G folder's sd/.</summary>
    public static DiffusersFolder DiffusersFolderOf(string model) =>
        DiffusersFolder.Open(KosmosGModelFolder.IsKosmosG(model) ? Path.Combine(model, KosmosGModelFolder.StableDiffusionFolder) : model);
}
