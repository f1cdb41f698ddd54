using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>How an adapter's training timesteps are drawn.</summary>
public enum TimestepSampling
{
    /// <summary>Uniform over [0, T) (diffusers' training scripts).</summary>
    Uniform,
    /// <summary>t = floor((1 - u^3) T), u uniform: biased to high noise (T2I-Adapter), where sampling decides the layout.</summary>
    Cubic,
}

public static class TimestepSampler
{
    /// <summary><paramref name="n"/> int64 timesteps in [0, <paramref name="count"/>), one draw of <paramref name="generator"/> per timestep.</summary>
    public static Tensor Sample(TimestepSampling sampling, int count, int n, Generator generator)
    {
        if (sampling == TimestepSampling.Uniform) return randint(0, count, [n], generator: generator);
        using var u = rand(n, dtype: ScalarType.Float32, generator: generator);
        using var t = 1 - u.pow(3);
        return t.mul_(count).floor_().clamp_(0, count - 1).to(ScalarType.Int64);
    }
}
