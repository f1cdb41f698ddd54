using KosmosG.ToyWorld;

namespace KosmosG.Tests.ToyWorld;

public class ToyWorldSetsTests
{
    [Fact]
    public void EnumeratesEveryValidSceneOnce()
    {
        Assert.Equal(270, ToyWorldSets.OneObjectScenes.Count);   // 6 colours x 3 shapes x 5 positions x 3 backgrounds
        Assert.Equal(1620, ToyWorldSets.TwoObjectScenes.Count);  // 3 backgrounds x 2 pairs x (6 x 3) x (5 x 3)
        Assert.Equal(1890, ToyWorldSets.AllScenes.Distinct().Count());
        Assert.Equal(1890, ToyWorldSets.AllScenes.Select(s => s.Key).Distinct().Count());
        Assert.Equal(18, ToyWorldSets.Subjects.Count);
        Assert.Equal(12, ToyWorldSets.TrainingSubjects.Count);
    }

    [Fact]
    public void ZeroShotSubjectsAreTheDocumentedSix()
    {
        Assert.Equal(["purple triangle", "orange circle", "green square", "yellow triangle", "blue circle", "red square"],
            ToyWorldSets.ZeroShotSubjects.Select(s => s.Words));
    }

    [Fact]
    public void InstructionTuningNeverGivesAZeroShotSubjectAsImage()
    {
        var compositions = ToyWorldSets.Compositions(3000, seed: 5);
        Assert.Equal(3000, compositions.Count);
        var zeroShotWords = ToyWorldSets.ZeroShotSubjects.Select(s => s.Words).ToHashSet();
        var prompts = compositions.Select(ToyCaptions.Interleaved).ToList();
        foreach (var prompt in prompts)
        {
            Assert.NotEmpty(prompt.Subjects);
            Assert.Equal(prompt.Subjects.Count, prompt.Prompt.Split("<i>").Length - 1);
            Assert.DoesNotContain(prompt.Subjects, s => zeroShotWords.Contains(s.Words));
        }
        // Zero-shot subjects still appear in stage 3, described by text.
        Assert.Contains(prompts, p => zeroShotWords.Any(z => p.Prompt.Contains($"a {z} ")));
        // Both one- and two-image prompts occur.
        Assert.Contains(compositions, c => c.ImageSubjects.Count == 2);
    }

    [Fact]
    public void FilterRejectsAZeroShotSubjectImage()
    {
        var scene = new ToyScene(ToyBackground.White,
            new ToyObject(ToyColor.Blue, ToyShape.Circle, ToyPosition.Left), new ToyObject(ToyColor.Red, ToyShape.Circle, ToyPosition.Right));
        Assert.False(ToyWorldSets.AllowedForInstructionTuning(new ToyComposition(scene, firstIsImage: true)));
        Assert.True(ToyWorldSets.AllowedForInstructionTuning(new ToyComposition(scene, secondIsImage: true)));
    }

    [Fact]
    public void GenerationIsDeterministicForASeed()
    {
        Assert.Equal(ToyWorldSets.SceneSamples(500, 3), ToyWorldSets.SceneSamples(500, 3));
        Assert.NotEqual(ToyWorldSets.SceneSamples(500, 3), ToyWorldSets.SceneSamples(500, 4));
        Assert.Equal(ToyWorldSets.CaptionSamples(500, 3), ToyWorldSets.CaptionSamples(500, 3));
        Assert.Equal(ToyWorldSets.Compositions(500, 3), ToyWorldSets.Compositions(500, 3));
        Assert.Equal(ToyWorldSets.Evaluation(3), ToyWorldSets.Evaluation(3));
        // The documented algorithm: Coin() then Pick() on System.Random(seed).
        var random = new Random(3);
        var first = random.Next(2) == 1 ? ToyWorldSets.TwoObjectScenes : ToyWorldSets.OneObjectScenes;
        Assert.Equal(first[random.Next(first.Count)], ToyWorldSets.SceneSamples(1, 3)[0]);
    }

    [Fact]
    public void SamplesMixOneAndTwoObjectScenes()
    {
        int two = ToyWorldSets.SceneSamples(2000, 1).Count(s => s.Second is not null);
        Assert.InRange(two, 900, 1100);
    }

    [Fact]
    public void EvaluationCoversEveryZeroShotSubjectPositionAndBackground()
    {
        var eval = ToyWorldSets.Evaluation(seed: 9);
        Assert.Equal(234, eval.Count);
        Assert.Equal(234, eval.Select(c => ToyCaptions.Interleaved(c).Prompt + string.Join(",", c.ImageSubjects)).Distinct().Count());
        Assert.All(eval, c => Assert.Contains(c.ImageSubjects, ToyWorldSets.IsZeroShot));
        Assert.All(eval, c => Assert.False(ToyWorldSets.AllowedForInstructionTuning(c)));
        foreach (var objects in new[] { 1, 2 })
        {
            var part = eval.Where(c => c.Scene.Objects.Count == objects).ToList();
            Assert.Equal(objects == 1 ? 90 : 144, part.Count);
            Assert.Equal(3, part.Select(c => c.Scene.Background).Distinct().Count());
            Assert.Equal(objects == 1 ? 5 : 4, part.SelectMany(c => c.Scene.Objects.Select(o => o.Position)).Distinct().Count());
            foreach (var z in ToyWorldSets.ZeroShotSubjects)
                Assert.Contains(part, c => c.ImageSubjects.Contains(z));
        }
        Assert.Contains(eval, c => c.ImageSubjects.Count == 1 && c.Scene.Second is not null);
    }
}
