using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

public class ToySceneTests
{
    private static ToyObject Obj(ToyColor c, ToyPosition p) => new(c, ToyShape.Square, p);

    [Fact]
    public void AcceptsTheTwoPositionPairsWithDifferentColours()
    {
        Assert.Equal(2, new ToyScene(ToyBackground.Gray, Obj(ToyColor.Red, ToyPosition.Left), Obj(ToyColor.Blue, ToyPosition.Right)).Objects.Count);
        Assert.Equal(2, new ToyScene(ToyBackground.Gray, Obj(ToyColor.Red, ToyPosition.Top), Obj(ToyColor.Blue, ToyPosition.Bottom)).Objects.Count);
    }

    [Theory]
    [InlineData("left", "left")]
    [InlineData("right", "left")]
    [InlineData("left", "top")]
    [InlineData("bottom", "top")]
    [InlineData("center", "right")]
    [InlineData("top", "center")]
    public void RejectsOtherPositionPairs(string first, string second)
    {
        ToyPosition P(string n) => ToyPosition.All.Single(p => p.Name == n);
        var error = Assert.Throws<ArgumentException>(() =>
            new ToyScene(ToyBackground.White, Obj(ToyColor.Red, P(first)), Obj(ToyColor.Blue, P(second))));
        Assert.Contains($"{first}+{second}", error.Message);
    }

    [Fact]
    public void RejectsTwoObjectsOfOneColour()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new ToyScene(ToyBackground.White, Obj(ToyColor.Red, ToyPosition.Left), new ToyObject(ToyColor.Red, ToyShape.Circle, ToyPosition.Right)));
        Assert.Contains("different colours", error.Message);
    }

    [Fact]
    public void ScenesCompareByValue()
    {
        var a = new ToyScene(ToyBackground.White, Obj(ToyColor.Red, ToyPosition.Left), Obj(ToyColor.Blue, ToyPosition.Right));
        var b = new ToyScene(ToyBackground.White, Obj(ToyColor.Red, ToyPosition.Left), Obj(ToyColor.Blue, ToyPosition.Right));
        Assert.Equal(a, b);
        Assert.Equal("white-red-square-left-blue-square-right", a.Key);
    }

    [Fact]
    public void CompositionNeedsASecondObjectToGiveAsImage()
    {
        var scene = new ToyScene(ToyBackground.White, Obj(ToyColor.Red, ToyPosition.Left));
        Assert.Throws<ArgumentException>(() => new ToyComposition(scene, secondIsImage: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToyComposition(scene).IsImage(1));
    }
}
