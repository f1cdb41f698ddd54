using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>Imagen's dynamic thresholding of the x0 prediction (diffusers _threshold_sample): per batch row, clamp to
/// [-s, s] and divide by s, s = quantile(|x0|, ratio) clamped to [1, sample_max_value].</summary>
internal sealed class DynamicThresholding(double ratio, double sampleMaxValue)
{
    public static DynamicThresholding? FromConfig(SchedulerConfig config, string scheduler)
    {
        if (config.Thresholding != true) return null;
        var ratio = config.DynamicThresholdingRatio ?? 0.995;
        var max = config.SampleMaxValue ?? 1.0;
        ConfigOptions.Check(ratio is > 0 and <= 1, scheduler, "dynamic_thresholding_ratio", $"must be in (0, 1], got {ratio}");
        ConfigOptions.Check(max >= 1, scheduler, "sample_max_value", $"must be >= 1, got {max}");
        return new DynamicThresholding(ratio, max);
    }

    public Tensor Apply(Tensor sample)
    {
        using var scope = NewDisposeScope();
        var dtype = sample.dtype;
        var flat = (dtype is ScalarType.Float32 or ScalarType.Float64 ? sample : sample.to(ScalarType.Float32)).reshape(sample.shape[0], -1);
        using var q = tensor(ratio, flat.dtype, flat.device);
        var s = flat.abs().quantile(q, 1).clamp(1, sampleMaxValue).unsqueeze(1);
        var result = (flat.clamp(-s, s) / s).reshape(sample.shape).to(dtype);
        return result.MoveToOuterDisposeScope();
    }
}
