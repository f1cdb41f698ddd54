using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

public class ToyShapeTests
{
    [Fact]
    public void EdgesAndVerticesAreInside()
    {
        Assert.True(ToyShape.Circle.Contains(42, 32, 32, 32));
        Assert.False(ToyShape.Circle.Contains(42.01, 32, 32, 32));
        Assert.True(ToyShape.Square.Contains(42, 22, 32, 32));
        Assert.False(ToyShape.Square.Contains(42, 21.99, 32, 32));
        foreach (var (x, y) in new[] { (32.0, 22.0), (21.0, 42.0), (43.0, 42.0), (26.5, 32.0), (37.5, 32.0) })
            Assert.True(ToyShape.Triangle.Contains(x, y, 32, 32), $"({x}, {y}) is on the triangle's boundary");
        foreach (var (x, y) in new[] { (32.0, 21.99), (20.99, 42.0), (32.0, 42.01), (26.4, 32.0) })
            Assert.False(ToyShape.Triangle.Contains(x, y, 32, 32), $"({x}, {y}) is just outside the triangle");
    }

    // TOYWORLD.md: circle 316 px in a 20x20 box, square 400/400, triangle 220 px in a 22x19 box (0.53), its centroid 3.4 px below the centre.
    [Theory]
    [InlineData("circle", 316, 20, 20, 0.0)]
    [InlineData("square", 400, 20, 20, 0.0)]
    [InlineData("triangle", 220, 22, 19, 3.4)]
    public void ExactRendersHaveTheDocumentedGroups(string shapeName, int pixels, int width, int height, double centroidBelow)
    {
        var shape = ToyShape.All.Single(s => s.Name == shapeName);
        foreach (var position in ToyPosition.All)
        {
            var scene = new ToyScene(ToyBackground.Black, new ToyObject(ToyColor.Green, shape, position));
            var group = ToyPixelGroup.Largest(ToyRenderer.Render(scene), ToyColor.Green, ToyJudge.ColorDistance);
            Assert.Equal((pixels, width, height), (group.Pixels, group.BoxWidth, group.BoxHeight));
            Assert.Equal(position.CenterX, group.CentroidX, 9);
            Assert.Equal(centroidBelow, Math.Round(group.CentroidY - position.CenterY, 1));
            Assert.Same(shape, ToyJudge.ShapeForFillRatio(group.FillRatio));
        }
    }
}
