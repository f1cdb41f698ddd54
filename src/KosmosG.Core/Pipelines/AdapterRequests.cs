using KosmosG.Imaging;

namespace KosmosG.Pipelines;

/// <summary>
/// One LoRA of a request: a name from the configured LoRA folders (or, where the caller allows it, a file path) and the
/// scale its update is multiplied by (diffusers' cross_attention_kwargs={"scale": s}).
/// </summary>
public sealed record LoraRequest(string Name, double Scale = 1.0);

/// <summary>
/// One ControlNet of a request (diffusers StableDiffusionControlNetPipeline semantics): a name from the configured
/// ControlNet folders (or a folder/file path where allowed), its control image, how that image becomes the control
/// map, and when and how strongly the net steers: steps i with i/T &gt;= start and (i+1)/T &lt;= end.
/// </summary>
public sealed record ControlNetRequest
{
    public required string Name { get; init; }
    public required RgbImage Image { get; init; }
    public string Preprocessor { get; init; } = ControlPreprocessors.None;
    public double ConditioningScale { get; init; } = 1.0;
    public double GuidanceStart { get; init; }
    public double GuidanceEnd { get; init; } = 1.0;
    /// <summary>Canny thresholds (used by the canny preprocessor).</summary>
    public double CannyLow { get; init; } = 100;
    public double CannyHigh { get; init; } = 200;
}
