using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>How a demo-ControlNet image is judged: the subject's colour drawn in the layout's shape and place.</summary>
public sealed record ToyLayoutJudgement(bool ColorPresent, bool CenterRight, bool ShapeRight, double CenterError, double FillRatio)
{
    /// <summary>The layout is followed: the object is there, centred within the tolerance, with the layout's shape.</summary>
    public bool Followed => ColorPresent && CenterRight && ShapeRight;
}

/// <summary>
/// Judging the demo adapters (README "Demo adapters") with TOYWORLD.md's pixel groups: ControlNet <c>canny</c> follows a
/// layout when the largest group of the subject's colour has the layout's shape (fill ratio rule) and its centroid lies
/// within <see cref="CenterTolerance"/> px (each axis) of the exact render's; LoRA <c>large</c> is measured by the
/// area of the object's group with and without it.
/// </summary>
public static class ToyAdapterJudge
{
    public const double CenterTolerance = 6;
    public const string SubjectPrompt = "<i> on a black background";

    /// <summary>The control map the pipelines' canny preprocessor makes of a layout picture (default thresholds).</summary>
    public static RgbImage ControlMap(RgbImage layoutPicture) => ControlPreprocessors.CannyEdges(layoutPicture, 100, 200);

    public static ToyLayoutJudgement Layout(RgbImage image, ToyColor color, ToyPlacement layout)
    {
        var exact = ToyPixelGroup.Largest(ToyPlacement.Render(ToyBackground.Black, [(color, layout)]), color, ToyJudge.ColorDistance);
        var group = ToyPixelGroup.Largest(image, color, ToyJudge.ColorDistance);
        // Small layouts (scale 0.6: a 113-pixel circle) need a share of their own area, not the caption objects' 60 pixels.
        var present = group.Pixels >= Math.Min(ToyJudge.MinPixels, exact.Pixels / 2);
        if (!present) return new ToyLayoutJudgement(false, false, false, double.NaN, group.FillRatio);
        var error = Math.Max(Math.Abs(group.CentroidX - exact.CentroidX), Math.Abs(group.CentroidY - exact.CentroidY));
        return new ToyLayoutJudgement(true, error <= CenterTolerance, ToyJudge.ShapeForFillRatio(group.FillRatio) == layout.Shape, error, group.FillRatio);
    }

    /// <summary>The object's group in an image: its pixel count, fill ratio and whether it is present with the right shape.</summary>
    public static (int Pixels, double FillRatio, bool Right) Object(RgbImage image, ToyColor color, ToyShape shape)
    {
        var group = ToyPixelGroup.Largest(image, color, ToyJudge.ColorDistance);
        return (group.Pixels, group.FillRatio, group.Pixels >= ToyJudge.MinPixels && ToyJudge.ShapeForFillRatio(group.FillRatio) == shape);
    }
}
