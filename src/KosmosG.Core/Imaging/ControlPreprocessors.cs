using KosmosG.Pipelines;
using OpenCvSharp;

namespace KosmosG.Imaging;

/// <summary>
/// Annotators that turn a photo into a control map, as the reference ControlNet annotators do: "none" (the image is the
/// map) and "canny" (OpenCV's Canny on the RGB image with the given thresholds, the edge map replicated to RGB).
/// </summary>
public static class ControlPreprocessors
{
    public const string None = "none";
    public const string Canny = "canny";

    public static IReadOnlyList<string> Names { get; } = [None, Canny];

    public static RgbImage Apply(ControlNetRequest control)
    {
        return control.Preprocessor switch
        {
            None => control.Image,
            Canny => CannyEdges(control.Image, control.CannyLow, control.CannyHigh),
            _ => throw new GenerationRequestException("controlnets",
                $"unknown preprocessor '{control.Preprocessor}': use one of {string.Join(", ", Names)}"),
        };
    }

    /// <summary>cv2.Canny(rgb, low, high) (3x3 Sobel, L1 gradient; on colour input the strongest channel's gradient), as RGB.</summary>
    public static RgbImage CannyEdges(RgbImage image, double low, double high)
    {
        image.Validate();
        using var rgb = Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, image.Pixels);
        using var edges = new Mat();
        Cv2.Canny(rgb, edges, low, high);
        var gray = new byte[image.Width * image.Height];
        edges.GetArray(out byte[] values);
        Array.Copy(values, gray, gray.Length);
        var pixels = new byte[gray.Length * 3];
        for (var i = 0; i < gray.Length; i++) pixels[3 * i] = pixels[3 * i + 1] = pixels[3 * i + 2] = gray[i];
        return new RgbImage(image.Width, image.Height, pixels);
    }
}
