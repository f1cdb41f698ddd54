using KosmosG.Pipelines;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `--verify` of the benches: the benchmarked computation once more in float64 on the CPU, with the same weights and
/// inputs. libtorch's CPU kernels have returned wrong values at some shapes on some CPUs (README Performance, session
/// 10), and the speed of a wrong result means nothing. Bounds: float32 agrees to ~1e-6; bf16/fp16 round every
/// activation (2^-8 / 2^-11 relative), ~1% over a whole U-Net step.
/// </summary>
public static class BenchVerify
{
    static readonly ComputeOptions Float64 = new(CPU, ScalarType.Float64);

    /// <summary>A float64 CPU copy of <paramref name="model"/>, built by <paramref name="build"/> and given its weights.</summary>
    public static T Twin<T>(T model, Func<ComputeOptions, T> build) where T : nn.Module
    {
        var twin = build(Float64);
        twin.load_state_dict(model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float64, CPU)));
        return twin;
    }

    /// <summary>Converts a bench input for the float64 twin.</summary>
    public static Tensor Input(Tensor input) => input.is_floating_point() ? input.to(ScalarType.Float64, CPU) : input.cpu();

    /// <summary>Prints the relative L2 error of <paramref name="actual"/> against the float64 <paramref name="expected"/>;
    /// false when it is beyond the bound of <paramref name="dtype"/>.</summary>
    public static bool Report(string what, Tensor actual, Tensor expected, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var error = actual.to(ScalarType.Float64, CPU) - expected;
        var relative = (error.norm() / expected.norm()).item<double>();
        var bound = dtype == ScalarType.Float32 ? 1e-4 : 5e-2;
        var verdict = relative <= bound ? "ok" : $"WRONG: this libtorch computes the {what} wrongly on this machine";
        Console.WriteLine($"verify: relative L2 error {relative:G3} against float64 with the same weights and inputs (max |error| " +
            $"{error.abs().max().item<double>():G3} on outputs up to {expected.abs().max().item<double>():G3}; bound {bound:G1}): {verdict}");
        return relative <= bound;
    }
}
