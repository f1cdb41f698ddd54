using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>
/// The training noise schedule shared by every scheduler: betas and alphas_cumprod, computed in float32 with torch
/// exactly as diffusers does (the per-step scalars derive from these float32 values).
/// </summary>
internal sealed class NoiseSchedule : IDisposable
{
    public int NumTrainTimesteps { get; }

    /// <summary>float32 [num_train_timesteps] on the CPU.</summary>
    public Tensor AlphasCumprod { get; }

    /// <summary>The same values for scalar arithmetic.</summary>
    public float[] AlphasCumprodValues { get; }

    /// <summary>sigma_t = sqrt((1 - alphas_cumprod) / alphas_cumprod) per training timestep, in float32 as diffusers
    /// computes it (ascending in t).</summary>
    public float[] TrainingSigmas() => AlphasCumprodValues.Select(a => MathF.Sqrt((1f - a) / a)).ToArray();

    public NoiseSchedule(SchedulerConfig config, string scheduler)
    {
        NumTrainTimesteps = config.NumTrainTimesteps ?? 1000;
        ConfigOptions.Check(NumTrainTimesteps >= 1, scheduler, "num_train_timesteps", $"must be >= 1, got {NumTrainTimesteps}");
        ConfigOptions.NotEnabled(scheduler, "rescale_betas_zero_snr", config.RescaleBetasZeroSnr);
        using var scope = NewDisposeScope();
        var betas = Betas(config, scheduler);
        AlphasCumprod = cumprod(1.0 - betas, 0).DetachFromDisposeScope();
        AlphasCumprodValues = AlphasCumprod.data<float>().ToArray();
        ConfigOptions.Check(AlphasCumprodValues.All(a => a > 0 && a <= 1 && float.IsFinite(a)), scheduler, "betas",
            "must lie in [0, 1) so that alphas_cumprod stays positive");
    }

    Tensor Betas(SchedulerConfig config, string scheduler)
    {
        var n = NumTrainTimesteps;
        if (config.TrainedBetas is { } trained)
        {
            ConfigOptions.Check(trained.Count == n, scheduler, "trained_betas", $"has {trained.Count} values but num_train_timesteps is {n}");
            return tensor(trained.Select(b => (float)b).ToArray());
        }
        var start = config.BetaStart ?? 0.0001;
        var end = config.BetaEnd ?? 0.02;
        var schedule = ConfigOptions.OneOf(scheduler, "beta_schedule", config.BetaSchedule ?? "linear",
            "linear", "scaled_linear", "squaredcos_cap_v2");
        return schedule switch
        {
            "linear" => linspace(start, end, n, ScalarType.Float32),
            "scaled_linear" => linspace(Math.Sqrt(start), Math.Sqrt(end), n, ScalarType.Float32).square(),
            _ => tensor(CosineBetas(n)),
        };
    }

    /// <summary>diffusers betas_for_alpha_bar with the Glide cosine alpha_bar and max_beta 0.999 (double, then float32).</summary>
    static float[] CosineBetas(int n)
    {
        static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        var betas = new float[n];
        for (var i = 0; i < n; i++)
            betas[i] = (float)Math.Min(1 - AlphaBar((i + 1) / (double)n) / AlphaBar(i / (double)n), 0.999);
        return betas;
    }

    public void Dispose() => AlphasCumprod.Dispose();
}
