using KosmosG.Imaging;
using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

public class ToyEvalGridTests
{
    [Fact]
    public void RowsHoldSubjectsGeneratedAndExpectedScaledUp()
    {
        var cases = ToyEvalPrompts.Select(ToyEvalPrompts.ZeroShot(0).Count, seed: 0);
        var two = cases.First(c => c.Prompt.Images.Count == 2);
        var one = cases.First(c => c.Prompt.Images.Count == 1);
        var noise = new byte[64 * 64 * 3];
        new Random(1).NextBytes(noise);
        var results = new[]
        {
            ToyEvaluator.Score(one, new RgbImage(64, 64, noise), TimeSpan.Zero),
            ToyEvaluator.Score(two, ToyRenderer.Render(two.Composition.Scene), TimeSpan.Zero),
        };

        var grid = ToyEvalGrid.Render(results, scale: 2);

        const int gap = ToyEvalGrid.Gap, cell = 64 + gap;
        Assert.Equal(((gap + 4 * cell) * 2, (gap + 2 * cell) * 2), (grid.Width, grid.Height));
        var small = Unscale(grid, 2);
        Assert.Equal(grid.Pixels, ToyCanvas.Upscale(small, 2).Pixels); // whole 2x2 blocks: nearest neighbour
        Assert.Equal(one.Prompt.Images[0].Pixels, Crop(small, gap, gap));
        Assert.True(Crop(small, gap + cell, gap).All(b => b == ToyEvalGrid.FrameLevel)); // no second subject
        Assert.Equal(noise, Crop(small, gap + 2 * cell, gap));
        Assert.Equal(ToyRenderer.Render(one.Composition.Scene).Pixels, Crop(small, gap + 3 * cell, gap));
        Assert.Equal(two.Prompt.Images[1].Pixels, Crop(small, gap + cell, gap + cell));
    }

    private static RgbImage Unscale(RgbImage image, int factor)
    {
        int w = image.Width / factor, h = image.Height / factor;
        var pixels = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Array.Copy(image.Pixels, (y * factor * image.Width + x * factor) * 3, pixels, (y * w + x) * 3, 3);
        return new RgbImage(w, h, pixels);
    }

    private static byte[] Crop(RgbImage image, int x0, int y0)
    {
        var pixels = new byte[64 * 64 * 3];
        for (int y = 0; y < 64; y++)
            Array.Copy(image.Pixels, ((y0 + y) * image.Width + x0) * 3, pixels, y * 64 * 3, 64 * 3);
        return pixels;
    }
}
