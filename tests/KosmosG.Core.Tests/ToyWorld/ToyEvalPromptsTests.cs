using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

public class ToyEvalPromptsTests
{
    [Fact]
    public void EverySubjectImageIsZeroShotAndEveryPromptIsHeldOut()
    {
        var all = ToyEvalPrompts.ZeroShot(seed: 4);
        var cases = ToyEvalPrompts.Select(all.Count, seed: 4);
        Assert.Equal(all.Count, cases.Select(c => c.Composition).Distinct().Count());
        Assert.Subset(ToyWorldSets.Evaluation(4).ToHashSet(), cases.Select(c => c.Composition).ToHashSet());
        foreach (var c in cases)
        {
            Assert.NotEmpty(c.Prompt.Subjects);
            Assert.All(c.Prompt.Subjects, s => Assert.True(ToyWorldSets.IsZeroShot(s), $"{s} in '{c.Prompt.Prompt}'"));
            Assert.Equal(c.Prompt.Subjects.Count, c.Prompt.Prompt.Split(ToyCaptions.ImageMarker).Length - 1);
            Assert.Equal(c.Prompt.Subjects.Select(ToyRenderer.RenderSubject).Select(i => i.Pixels), c.Prompt.Images.Select(i => i.Pixels));
        }
        // All 90 one-object prompts, all 72 two-object prompts with one subject image, and the two-image prompts whose
        // drawn partner happens to be zero-shot too.
        Assert.Equal(90, cases.Count(c => c.Composition.Scene.Second is null));
        Assert.Equal(72, cases.Count(c => c.Composition.Scene.Second is not null && c.Prompt.Subjects.Count == 1));
        Assert.Contains(cases, c => c.Prompt.Subjects.Count == 2);
    }

    [Fact]
    public void ThreePromptsCoverOneAndTwoObjectsEveryPositionAndBackground()
    {
        var cases = ToyEvalPrompts.Select(3, seed: 0);
        var scenes = cases.Select(c => c.Composition.Scene).ToList();
        Assert.Equal([1, 2], scenes.Select(s => s.Objects.Count).Distinct().Order());
        Assert.Equal(ToyPosition.All.ToHashSet(), scenes.SelectMany(s => s.Objects.Select(o => o.Position)).ToHashSet());
        Assert.Equal(ToyBackground.All.ToHashSet(), scenes.Select(s => s.Background).ToHashSet());
    }

    [Fact]
    public void EachRoundMeetsEveryLayoutOnEveryBackgroundOnce()
    {
        var cases = ToyEvalPrompts.Select(42, seed: 1);
        foreach (var round in cases.Chunk(21))
            Assert.Equal(21, round.Select(c => (ToyEvalPrompts.Layout(c.Composition.Scene), c.Composition.Scene.Background)).Distinct().Count());
        Assert.Equal(7, cases.Select(c => ToyEvalPrompts.Layout(c.Composition.Scene)).Distinct().Count());
    }

    [Fact]
    public void DeterministicForASeedWithOneGenerationSeedPerPrompt()
    {
        static List<(ToyComposition, long)> Run(int seed) => [.. ToyEvalPrompts.Select(42, seed).Select(c => (c.Composition, c.Seed))];
        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7).Select(r => r.Item1), Run(8).Select(r => r.Item1));
        Assert.Equal(Enumerable.Range(7, 42).Select(i => (long)i), Run(7).Select(r => r.Item2));
        Assert.Equal(Enumerable.Range(0, 42), ToyEvalPrompts.Select(42, 7).Select(c => c.Index));
    }

    [Fact]
    public void TextOnlyTwinIsTheFullCaptionOfTheSameSceneAndSeed()
    {
        var c = ToyEvalPrompts.Select(2, seed: 0)[1];
        var text = c.AsTextOnly();
        Assert.Equal(ToyCaptions.Caption(c.Composition.Scene), text.Prompt.Prompt);
        Assert.Empty(text.Prompt.Images);
        Assert.Equal((c.Index, c.Seed, c.Composition.Scene), (text.Index, text.Seed, text.Composition.Scene));
        Assert.Contains(ToyCaptions.ImageMarker, c.Prompt.Prompt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void CountOutsideTheSetIsRejectedWithTheSetSize(int count)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ToyEvalPrompts.Select(count, seed: 0));
        Assert.Contains($"{ToyEvalPrompts.ZeroShot(0).Count} prompts", error.Message);
    }
}
