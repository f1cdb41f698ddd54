using static TorchSharp.torch;

namespace KosmosG.Diagnostics;

/// <summary>
/// The attainable matrix-product rate of this machine for one dtype, measured through the same libtorch the models
/// use: large GEMMs and large channels-last 3x3 convolutions (the shapes a U-Net step is made of), best run of each,
/// best shape wins. Benchmarks divide their own rate by it, so a figure means the same on any CPU.
/// Each run is also timed in process CPU time: on a machine shared with other work the wall clock mostly measures the
/// contention, while work per CPU-second (times the thread count) still measures the kernels.
/// </summary>
public static class MachinePeak
{
    public sealed record ShapeRate(string Shape, double Flops, RunTime Time)
    {
        public double GFlops => Flops / Time.Seconds / 1e9;
        public double CpuGFlops => Time.CpuRate(Flops) / 1e9;
    }

    public sealed record Result(ScalarType DType, IReadOnlyList<ShapeRate> Shapes)
    {
        public ShapeRate Best => Shapes.MaxBy(s => s.GFlops)!;
        public double GFlops => Best.GFlops;
        public double CpuGFlops => Shapes.Max(s => s.CpuGFlops);
    }

    /// <param name="runs">Timed runs per shape after one warm-up; the fastest counts (the machine's best, not its noise).</param>
    public static Result Measure(ScalarType dtype, Device? device = null, int runs = 3)
    {
        device ??= CPU;
        using var mode = inference_mode();
        var shapes = new List<ShapeRate>
        {
            Gemm(2048, 2048, 2048, dtype, device, runs),
            Gemm(4096, 1280, 1280, dtype, device, runs),
            Gemm(8192, 320, 1280, dtype, device, runs),
            Conv(2, 320, 64, dtype, device, runs),
            Conv(2, 640, 32, dtype, device, runs),
        };
        return new Result(dtype, shapes);
    }

    static ShapeRate Gemm(long m, long n, long k, ScalarType dtype, Device device, int runs)
    {
        using var scope = NewDisposeScope();
        var a = randn([m, k], dtype, device);
        var b = randn([k, n], dtype, device);
        return new ShapeRate($"gemm {m}x{k} @ {k}x{n}", 2.0 * m * n * k, Fastest(() => a.matmul(b), runs));
    }

    static ShapeRate Conv(long batch, long channels, long size, ScalarType dtype, Device device, int runs)
    {
        using var scope = NewDisposeScope();
        // Channels-last (NHWC memory, NCHW shape), the layout the U-Net runs in.
        var input = randn([batch, size, size, channels], dtype, device).permute(0, 3, 1, 2);
        var weight = (randn([channels, 3, 3, channels], dtype, device) * 0.02).permute(0, 3, 1, 2);
        var flops = 2.0 * batch * channels * channels * 9 * size * size;
        return new ShapeRate($"conv3x3 {channels}->{channels} on {batch}x{channels}x{size}x{size} channels-last", flops,
            Fastest(() => nn.functional.conv2d(input, weight, padding: [1, 1]), runs));
    }

    /// <summary>The fastest run by wall clock and, separately, by CPU time.</summary>
    static RunTime Fastest(Func<Tensor> op, int runs)
    {
        var (wall, cpu) = (double.MaxValue, double.MaxValue);
        for (var i = 0; i <= runs; i++)
        {
            var time = RunTime.Measure(() => op().Dispose());
            if (i == 0) continue;
            wall = Math.Min(wall, time.Seconds);
            cpu = Math.Min(cpu, time.CpuSeconds);
        }
        return new RunTime(wall, cpu, get_num_threads());
    }
}
