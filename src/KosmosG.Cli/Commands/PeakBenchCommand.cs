using KosmosG.Cli.Terminal;
using KosmosG.Pipelines;

namespace KosmosG.Cli.Commands;

/// <summary>`kosmosg bench peak`: the machine's attainable GEMM / channels-last convolution rate for one dtype.</summary>
public static class PeakBenchCommand
{
    public const string Usage = "kosmosg bench peak [--dtype fp32|bf16|fp16] [--threads N] [--device cpu|cuda:N]";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--dtype", "--threads", "--device"]);
        var compute = ComputeOptions.Parse(a.String("--device") ?? "cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32");
        BenchSupport.ApplyThreads(a);
        var peak = BenchSupport.MeasurePeak(compute);
        foreach (var shape in peak.Shapes)
            Console.WriteLine($"  {shape.Shape,-52} {shape.Time.Seconds * 1000,8:F2} ms  {shape.GFlops,8:F1} GFLOP/s  (CPU time {shape.Time.CpuSeconds * 1000:F2} ms: {shape.CpuGFlops:F1} GFLOP/s)");
        return 0;
    }
}
