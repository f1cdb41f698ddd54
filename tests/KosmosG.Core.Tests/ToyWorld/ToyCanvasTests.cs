using KosmosG.Imaging;
using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

public class ToyCanvasTests
{
    private static readonly RgbImage Scene = ToyRenderer.Render(ToyWorldSets.TwoObjectScenes[123]);

    [Fact]
    public void CanvasSizeIsKept() => Assert.Same(Scene, ToyCanvas.Fit(Scene));

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void LargerByAWholeFactorIsBoxAveragedBack(int factor)
    {
        var large = ToyCanvas.Upscale(Scene, factor);
        Assert.Equal((64 * factor, 64 * factor), (large.Width, large.Height));
        Assert.Equal(Scene.Pixels, ToyCanvas.Fit(large).Pixels);
    }

    [Fact]
    public void SmallerByAWholeFactorIsUpscaledByNearestNeighbour()
    {
        var small = new RgbImage(2, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        var fitted = ToyCanvas.Fit(small);
        Assert.Equal((64, 64), (fitted.Width, fitted.Height));
        Assert.Equal(new byte[] { 1, 2, 3 }, fitted.Pixels[..3]);
        Assert.Equal(new byte[] { 4, 5, 6 }, fitted.Pixels[(32 * 3)..(33 * 3)]);
        Assert.Equal(new byte[] { 10, 11, 12 }, fitted.Pixels[^3..]);
    }

    [Fact]
    public void BoxAverageRoundsToNearest()
    {
        var pixels = new byte[128 * 128 * 3];
        pixels[0] = 1; pixels[3] = 1; // two of the first block's four red values: mean 0.5 rounds up
        Assert.Equal(1, ToyCanvas.Fit(new RgbImage(128, 128, pixels)).Pixels[0]);
    }

    [Theory]
    [InlineData(48, 48)]
    [InlineData(128, 64)]
    [InlineData(96, 96)]
    public void OtherSizesAreRejectedNamingTheSize(int width, int height)
    {
        var error = Assert.Throws<ArgumentException>(() => ToyCanvas.Fit(new RgbImage(width, height, new byte[width * height * 3])));
        Assert.Contains($"{width}x{height}", error.Message);
    }
}
