using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>
/// A picture of evaluation examples, one row per result: its subject image(s) | the generated image | the exact render
/// of the expected scene, 64x64 cells on a light frame, scaled up by a whole factor (nearest neighbour) to stay sharp.
/// </summary>
public static class ToyEvalGrid
{
    public const int Gap = 4;
    public const byte FrameLevel = 210;

    public static RgbImage Render(IReadOnlyList<ToyEvalResult> results, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) throw new ArgumentException("A grid needs at least one result", nameof(results));
        int subjectColumns = Math.Max(1, results.Max(r => r.Case.Prompt.Images.Count));
        int cell = ToyRenderer.Size, columns = subjectColumns + 2;
        int width = Gap + columns * (cell + Gap), height = Gap + results.Count * (cell + Gap);
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, FrameLevel);

        for (int row = 0; row < results.Count; row++)
        {
            var r = results[row];
            var subjects = r.Case.Prompt.Images;
            for (int i = 0; i < subjects.Count; i++)
                Paste(pixels, width, subjects[i], i, row);
            Paste(pixels, width, r.Image, subjectColumns, row);
            Paste(pixels, width, ToyRenderer.Render(r.Case.Composition.Scene), subjectColumns + 1, row);
        }
        return ToyCanvas.Upscale(new RgbImage(width, height, pixels), scale);
    }

    private static void Paste(byte[] pixels, int width, RgbImage image, int column, int row)
    {
        var cell = ToyCanvas.Fit(image);
        int x0 = Gap + column * (cell.Width + Gap), y0 = Gap + row * (cell.Height + Gap);
        for (int y = 0; y < cell.Height; y++)
            Array.Copy(cell.Pixels, y * cell.Width * 3, pixels, ((y0 + y) * width + x0) * 3, cell.Width * 3);
    }
}
