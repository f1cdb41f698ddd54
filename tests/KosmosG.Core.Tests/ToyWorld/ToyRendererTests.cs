using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

public class ToyRendererTests
{
    private static (byte, byte, byte) At(KosmosG.Imaging.RgbImage image, int x, int y)
    {
        int i = (y * image.Width + x) * 3;
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }

    [Fact]
    public void DrawsExactPixelsOverTheBackground()
    {
        var scene = new ToyScene(ToyBackground.Gray,
            new ToyObject(ToyColor.Orange, ToyShape.Square, ToyPosition.Left),
            new ToyObject(ToyColor.Blue, ToyShape.Triangle, ToyPosition.Right));
        var image = ToyRenderer.Render(scene);
        Assert.Equal((64, 64, 64 * 64 * 3), (image.Width, image.Height, image.Pixels.Length));
        // Square centred at (16, 32): pixels x 6..25, y 22..41 (centres 6.5..25.5).
        Assert.Equal(((byte)245, (byte)130, (byte)20), At(image, 6, 22));
        Assert.Equal(((byte)245, (byte)130, (byte)20), At(image, 25, 41));
        Assert.Equal(((byte)128, (byte)128, (byte)128), At(image, 5, 22));
        Assert.Equal(((byte)128, (byte)128, (byte)128), At(image, 26, 41));
        // Triangle at (48, 32): the apex row y = 23 (centre 23.5) has only the pixels x = 47, 48; no pixel in row 22.
        Assert.Equal(((byte)30, (byte)70, (byte)230), At(image, 47, 23));
        Assert.Equal(((byte)30, (byte)70, (byte)230), At(image, 48, 23));
        Assert.Equal(((byte)128, (byte)128, (byte)128), At(image, 46, 23));
        Assert.Equal(((byte)128, (byte)128, (byte)128), At(image, 48, 22));
    }

    [Fact]
    public void SubjectIsTheObjectAtTheCenterOnWhite()
    {
        var subject = ToyRenderer.RenderSubject(ToyColor.Purple, ToyShape.Circle);
        var scene = ToyRenderer.Render(new ToyScene(ToyBackground.White, new ToyObject(ToyColor.Purple, ToyShape.Circle, ToyPosition.Center)));
        Assert.Equal(scene.Pixels, subject.Pixels);
        Assert.Equal(((byte)150, (byte)40, (byte)190), At(subject, 32, 32));
        Assert.Equal(((byte)255, (byte)255, (byte)255), At(subject, 0, 0));
    }
}
