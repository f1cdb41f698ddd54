using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>The DDPM forward (noising) process used for training: q(x_t | x_0) and the v-prediction target, as
/// diffusers DDPMScheduler.add_noise / get_velocity compute them.</summary>
public sealed class DDPMScheduler : IDisposable
{
    readonly NoiseSchedule _schedule;

    public DDPMScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _schedule = new NoiseSchedule(config, nameof(DDPMScheduler));
        PredictionType = ConfigOptions.OneOf(nameof(DDPMScheduler), "prediction_type", config.PredictionType ?? "epsilon",
            "epsilon", "sample", "v_prediction");
    }

    public int NumTrainTimesteps => _schedule.NumTrainTimesteps;

    /// <summary>What the model is trained to predict: epsilon (the noise), sample (x0) or v_prediction.</summary>
    public string PredictionType { get; }

    /// <summary>float32 [num_train_timesteps] on the CPU.</summary>
    public Tensor AlphasCumprod => _schedule.AlphasCumprod;

    /// <summary>sqrt(alphas_cumprod[t]) * original + sqrt(1 - alphas_cumprod[t]) * noise, t per batch row (int64 [B]).</summary>
    public Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps)
    {
        CheckShapes(originalSamples, noise, timesteps);
        using var scope = NewDisposeScope();
        var (sqrtAlpha, sqrtOneMinusAlpha) = Coefficients(originalSamples, timesteps);
        return (sqrtAlpha * originalSamples + sqrtOneMinusAlpha * noise).MoveToOuterDisposeScope();
    }

    /// <summary>The v-prediction target: sqrt(alphas_cumprod[t]) * noise - sqrt(1 - alphas_cumprod[t]) * sample.</summary>
    public Tensor GetVelocity(Tensor sample, Tensor noise, Tensor timesteps)
    {
        CheckShapes(sample, noise, timesteps);
        using var scope = NewDisposeScope();
        var (sqrtAlpha, sqrtOneMinusAlpha) = Coefficients(sample, timesteps);
        return (sqrtAlpha * noise - sqrtOneMinusAlpha * sample).MoveToOuterDisposeScope();
    }

    /// <summary>Per-row coefficients in the sample's dtype and device, shaped to broadcast over the sample.</summary>
    (Tensor SqrtAlpha, Tensor SqrtOneMinusAlpha) Coefficients(Tensor sample, Tensor timesteps)
    {
        var alphasCumprod = _schedule.AlphasCumprod.to(sample.dtype, sample.device);
        var picked = alphasCumprod[timesteps.to(ScalarType.Int64, sample.device)].flatten();
        var shape = new long[sample.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        return (picked.sqrt().reshape(shape), (1 - picked).sqrt().reshape(shape));
    }

    void CheckShapes(Tensor sample, Tensor noise, Tensor timesteps)
    {
        if (!noise.shape.SequenceEqual(sample.shape))
            throw new ArgumentException(
                $"noise shape [{string.Join(", ", noise.shape)}] does not match sample shape [{string.Join(", ", sample.shape)}]", nameof(noise));
        if (timesteps.dtype is not (ScalarType.Int64 or ScalarType.Int32) || timesteps.numel() != sample.shape[0] && timesteps.numel() != 1)
            throw new ArgumentException(
                $"timesteps must be integer, one per batch row (or one for all); got {timesteps.dtype} with {timesteps.numel()} values for batch {sample.shape[0]}",
                nameof(timesteps));
        using var min = timesteps.min().to(ScalarType.Int64);
        using var max = timesteps.max().to(ScalarType.Int64);
        if (min.item<long>() < 0 || max.item<long>() >= NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(timesteps), $"timesteps must lie in [0, {NumTrainTimesteps})");
    }

    public void Dispose() => _schedule.Dispose();
}
