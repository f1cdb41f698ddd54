using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>Judges a generated image against the expected scene exactly per TOYWORLD.md "How a generated image is judged".</summary>
public static class ToyJudge
{
    public const double ColorDistance = 60;
    public const int MinPixels = 60;
    public const double PositionTolerance = 10;
    public const int CornerPatch = 6;
    public const double BackgroundShareNeeded = 0.70;

    /// <summary>Judges a text-only prompt (every object described by text).</summary>
    public static ToyJudgement Judge(RgbImage image, ToyScene expected) => Judge(image, new ToyComposition(expected));

    public static ToyJudgement Judge(RgbImage image, ToyComposition expected)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(expected);
        image.Validate();
        if (image.Width != ToyRenderer.Size || image.Height != ToyRenderer.Size)
            throw new ArgumentException(
                $"The judge's thresholds are for {ToyRenderer.Size}x{ToyRenderer.Size} images, got {image.Width}x{image.Height}", nameof(image));

        var objects = expected.Scene.Objects.Select((o, i) => JudgeObject(image, o, expected.IsImage(i))).ToList();
        double backgroundShare = BackgroundShare(image, expected.Scene.Background.Color);
        bool backgroundRight = backgroundShare >= BackgroundShareNeeded;

        var subjects = objects.Where(o => o.GivenAsImage).ToList();
        double? subjectFidelity = subjects.Count == 0 ? null : subjects.Count(o => o.ColorRight && o.ShapeRight) / (double)subjects.Count;

        // Text-given attributes: every object's position, each text-described object's colour and shape, the background.
        int attributes = 1, right = backgroundRight ? 1 : 0;
        foreach (var o in objects)
        {
            attributes++;
            right += o.PositionRight ? 1 : 0;
            if (o.GivenAsImage) continue;
            attributes += 2;
            right += (o.ColorRight ? 1 : 0) + (o.ShapeRight ? 1 : 0);
        }
        return new ToyJudgement(objects, backgroundShare, backgroundRight, subjectFidelity, right / (double)attributes);
    }

    /// <summary>The shape a fill ratio indicates: square at least 0.90, circle 0.66 to 0.90, triangle below 0.66.</summary>
    public static ToyShape ShapeForFillRatio(double fillRatio) =>
        fillRatio >= 0.90 ? ToyShape.Square : fillRatio >= 0.66 ? ToyShape.Circle : ToyShape.Triangle;

    /// <summary>Means of the scores over many images.</summary>
    public static ToyScoreSummary Aggregate(IEnumerable<ToyJudgement> judgements)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        var all = judgements.ToList();
        var subject = all.Where(j => j.SubjectFidelity.HasValue).Select(j => j.SubjectFidelity!.Value).ToList();
        return new ToyScoreSummary(
            all.Count,
            subject.Count,
            subject.Count == 0 ? double.NaN : subject.Average(),
            all.Count == 0 ? double.NaN : all.Average(j => j.TextFidelity));
    }

    private static ToyObjectJudgement JudgeObject(RgbImage image, ToyObject expected, bool givenAsImage)
    {
        var group = ToyPixelGroup.Largest(image, expected.Color, ColorDistance);
        bool present = group.Pixels >= MinPixels;
        bool positionRight = present
            && Math.Abs(group.CentroidX - expected.Position.CenterX) <= PositionTolerance
            && Math.Abs(group.CentroidY - expected.Position.CenterY) <= PositionTolerance;
        bool shapeRight = present && ShapeForFillRatio(group.FillRatio) == expected.Shape;
        return new ToyObjectJudgement(expected, givenAsImage, group, present, positionRight, shapeRight);
    }

    /// <summary>Share of the pixels of the four corner patches within <see cref="ColorDistance"/> of the background.</summary>
    private static double BackgroundShare(RgbImage image, ToyColor background)
    {
        int n = image.Width, near = 0, total = 0;
        foreach (int y0 in new[] { 0, n - CornerPatch })
            foreach (int x0 in new[] { 0, n - CornerPatch })
                for (int y = y0; y < y0 + CornerPatch; y++)
                    for (int x = x0; x < x0 + CornerPatch; x++)
                    {
                        int i = (y * n + x) * 3;
                        total++;
                        if (background.SquaredDistance(image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]) <= ColorDistance * ColorDistance)
                            near++;
                    }
        return near / (double)total;
    }
}
