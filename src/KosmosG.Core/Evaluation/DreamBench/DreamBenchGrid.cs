using KosmosG.Imaging;

namespace KosmosG.Evaluation.DreamBench;

/// <summary>One row per subject: its reference image, then up to <c>perRow</c> generated images (prompt order), each
/// shorter-side resized and centre-cropped to a square thumbnail, separated by a white gap.</summary>
public static class DreamBenchGrid
{
    const int Gap = 4;

    public static RgbImage Render(IReadOnlyList<DreamBenchSample> samples, Func<string, RgbImage> load, int thumb = 128, int perRow = 8)
    {
        var rows = samples.GroupBy(s => s.Subject).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new[] { g.First().ReferencePath }.Concat(g.OrderBy(s => s.Prompt, StringComparer.Ordinal).ThenBy(s => s.Pos, StringComparer.Ordinal)
                .Take(perRow).Select(s => s.GeneratedPath)).ToList())
            .ToList();
        if (rows.Count == 0) throw new ArgumentException("no samples to draw", nameof(samples));
        var columns = rows.Max(r => r.Count);
        int width = columns * (thumb + Gap) + Gap, height = rows.Count * (thumb + Gap) + Gap;
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)255);
        for (var r = 0; r < rows.Count; r++)
            for (var c = 0; c < rows[r].Count; c++)
            {
                var tile = ShorterSideResize.CenterCrop(ShorterSideResize.Resize(load(rows[r][c]), thumb), thumb, CropOffsetRounding.Floor);
                int x0 = Gap + c * (thumb + Gap), y0 = Gap + r * (thumb + Gap);
                for (var y = 0; y < thumb; y++)
                    Array.Copy(tile.Pixels, y * thumb * 3, pixels, ((y0 + y) * width + x0) * 3, thumb * 3);
            }
        return new RgbImage(width, height, pixels);
    }
}
