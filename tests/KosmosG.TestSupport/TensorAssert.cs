using Xunit.Sdk;
using static TorchSharp.torch;

namespace KosmosG.Testing;

/// <summary>Tolerance comparisons that report the worst element, so a failing parity test says how far off it is.</summary>
public static class TensorAssert
{
    /// <summary>|actual - expected| &lt;= atol + rtol * |expected| element-wise (numpy.allclose semantics).</summary>
    public static double Close(Tensor expected, Tensor actual, double atol, double rtol = 0, string what = "tensor")
    {
        if (!expected.shape.SequenceEqual(actual.shape))
            throw new XunitException($"{what}: shape [{string.Join(",", actual.shape)}] != expected [{string.Join(",", expected.shape)}]");
        using var e = expected.to(ScalarType.Float64).cpu();
        using var a = actual.detach().to(ScalarType.Float64).cpu();
        using var diff = (a - e).abs();
        using var allowed = e.abs() * rtol + atol;
        var maxAbs = diff.numel() == 0 ? 0 : diff.max().item<double>();
        using var bad = diff > allowed;
        var badCount = bad.sum().item<long>();
        if (badCount > 0 || a.isnan().any().item<bool>())
        {
            var worst = (diff - allowed).argmax().item<long>();
            throw new XunitException(
                $"{what}: {badCount} of {e.numel()} elements outside atol={atol} rtol={rtol}; max |diff| = {maxAbs:G4}; " +
                $"worst at flat index {worst}: expected {e.flatten()[worst].item<double>():G6}, got {a.flatten()[worst].item<double>():G6}");
        }
        return maxAbs;
    }

    public static void Equal(Tensor expected, Tensor actual, string what = "tensor")
    {
        if (!expected.shape.SequenceEqual(actual.shape))
            throw new XunitException($"{what}: shape [{string.Join(",", actual.shape)}] != expected [{string.Join(",", expected.shape)}]");
        using var e = expected.to(ScalarType.Int64).cpu();
        using var a = actual.to(ScalarType.Int64).cpu();
        if (!e.Equals(a))
        {
            using var ne = e.ne(a);
            var first = ne.flatten().nonzero()[0].item<long>();
            throw new XunitException($"{what}: {ne.sum().item<long>()} elements differ; first at flat index {first}: expected {e.flatten()[first].item<long>()}, got {a.flatten()[first].item<long>()}");
        }
    }
}
