using System.ComponentModel;
using KosmosG.Imaging;
using KosmosG.Pipelines;

namespace KosmosG.Service.Api.Requests;

/// <summary>One entry of the "controlnets" field as sent: <see cref="ControlNetRequest"/> with its image still
/// bytes (a base64 string or data URL; in a form also a file part named controlnets[i].image).</summary>
public sealed record ControlNetField
{
    [Description("A ControlNet name from GET /v1/controlnets.")]
    public string Name { get; init; } = "";
    [Description("The control image: base64 or a data URL (multipart: a file part named controlnets[i].image).")]
    public string? Image { get; init; }
    [Description("How the image becomes the control map: none (use it as it is) or canny.")]
    public string Preprocessor { get; init; } = ControlPreprocessors.None;
    public double ConditioningScale { get; init; } = 1.0;
    public double GuidanceStart { get; init; }
    public double GuidanceEnd { get; init; } = 1.0;
    public double CannyLow { get; init; } = 100;
    public double CannyHigh { get; init; } = 200;
}
