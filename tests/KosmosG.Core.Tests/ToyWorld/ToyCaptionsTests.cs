using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

public class ToyCaptionsTests
{
    private static readonly ToyScene RedCircleLeft =
        new(ToyBackground.White, new ToyObject(ToyColor.Red, ToyShape.Circle, ToyPosition.Left));

    private static readonly ToyScene SquareOverTriangle = new(ToyBackground.Gray,
        new ToyObject(ToyColor.Blue, ToyShape.Square, ToyPosition.Top),
        new ToyObject(ToyColor.Yellow, ToyShape.Triangle, ToyPosition.Bottom));

    [Fact]
    public void CaptionsAreTheDocumentedExamples()
    {
        Assert.Equal("a red circle on the left on a white background", ToyCaptions.Caption(RedCircleLeft));
        Assert.Equal("a blue square at the top and a yellow triangle at the bottom on a gray background",
            ToyCaptions.Caption(SquareOverTriangle));
        Assert.Equal("a purple square in the center on a black background", ToyCaptions.Caption(new ToyScene(ToyBackground.Black,
            new ToyObject(ToyColor.Purple, ToyShape.Square, ToyPosition.Center))));
    }

    [Fact]
    public void InterleavedPromptIsTheDocumentedExample()
    {
        var scene = new ToyScene(ToyBackground.Black,
            new ToyObject(ToyColor.Red, ToyShape.Circle, ToyPosition.Left),
            new ToyObject(ToyColor.Blue, ToyShape.Square, ToyPosition.Right));
        var prompt = ToyCaptions.Interleaved(new ToyComposition(scene, firstIsImage: true));
        Assert.Equal("<i> on the left and a blue square on the right on a black background", prompt.Prompt);
        Assert.Equal([new ToySubject(ToyColor.Red, ToyShape.Circle)], prompt.Subjects);
        Assert.Equal(ToyRenderer.RenderSubject(ToyColor.Red, ToyShape.Circle).Pixels, Assert.Single(prompt.Images).Pixels);
    }

    [Fact]
    public void SeveralMarkersKeepObjectOrder()
    {
        var prompt = ToyCaptions.Interleaved(new ToyComposition(SquareOverTriangle, firstIsImage: true, secondIsImage: true));
        Assert.Equal("<i> at the top and <i> at the bottom on a gray background", prompt.Prompt);
        Assert.Equal(["blue square", "yellow triangle"], prompt.Subjects.Select(s => s.Words));
        Assert.Equal(ToyRenderer.RenderSubject(ToyColor.Yellow, ToyShape.Triangle).Pixels, prompt.Images[1].Pixels);
        Assert.Equal("a blue square at the top and <i> at the bottom on a gray background",
            ToyCaptions.Interleaved(new ToyComposition(SquareOverTriangle, secondIsImage: true)).Prompt);
    }

    [Fact]
    public void CaptionsAreLowerCaseSingleSpacedAndUnpunctuated()
    {
        foreach (var caption in ToyWorldSets.AllScenes.Select(ToyCaptions.Caption))
        {
            Assert.Equal(caption.ToLowerInvariant(), caption);
            Assert.DoesNotContain("  ", caption);
            Assert.Matches("^[a-z ]+ background$", caption);
        }
        Assert.Equal(ToyWorldSets.AllScenes.Count, ToyWorldSets.AllScenes.Select(ToyCaptions.Caption).Distinct().Count());
    }
}
