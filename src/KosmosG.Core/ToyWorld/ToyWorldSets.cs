namespace KosmosG.ToyWorld;

/// <summary>
/// Every scene of the world, the zero-shot subjects, and the datasets of each stage of the demo recipe. Samplers
/// are deterministic for a seed (see <see cref="ToyRandom"/> for the algorithm; each step below names its draws).
/// </summary>
public static class ToyWorldSets
{
    /// <summary>All 18 subjects (colour-major, shapes in the order circle, square, triangle).</summary>
    public static IReadOnlyList<ToySubject> Subjects { get; } =
        [.. from c in ToyColor.Palette from s in ToyShape.All select new ToySubject(c, s)];

    /// <summary>Kept for evaluation: never a subject image in instruction tuning (TOYWORLD.md "Zero-shot subjects").</summary>
    public static IReadOnlyList<ToySubject> ZeroShotSubjects { get; } =
    [
        new(ToyColor.Purple, ToyShape.Triangle), new(ToyColor.Orange, ToyShape.Circle), new(ToyColor.Green, ToyShape.Square),
        new(ToyColor.Yellow, ToyShape.Triangle), new(ToyColor.Blue, ToyShape.Circle), new(ToyColor.Red, ToyShape.Square),
    ];

    /// <summary>The 12 subjects stage 3 may give as images.</summary>
    public static IReadOnlyList<ToySubject> TrainingSubjects { get; } = [.. Subjects.Where(s => !IsZeroShot(s))];

    /// <summary>270 scenes: background, then colour, shape, position (table orders).</summary>
    public static IReadOnlyList<ToyScene> OneObjectScenes { get; } =
    [
        .. from b in ToyBackground.All from c in ToyColor.Palette from s in ToyShape.All from p in ToyPosition.All
           select new ToyScene(b, new ToyObject(c, s, p)),
    ];

    /// <summary>1,620 scenes: background, position pair (left+right, top+bottom), then the first and second object.</summary>
    public static IReadOnlyList<ToyScene> TwoObjectScenes { get; } =
    [
        .. from b in ToyBackground.All
           from pair in new[] { (ToyPosition.Left, ToyPosition.Right), (ToyPosition.Top, ToyPosition.Bottom) }
           from c1 in ToyColor.Palette from s1 in ToyShape.All
           from c2 in ToyColor.Palette where c2 != c1 from s2 in ToyShape.All
           select new ToyScene(b, new ToyObject(c1, s1, pair.Item1), new ToyObject(c2, s2, pair.Item2)),
    ];

    /// <summary>All 1,890 valid scenes: the one-object ones, then the two-object ones.</summary>
    public static IReadOnlyList<ToyScene> AllScenes { get; } = [.. OneObjectScenes, .. TwoObjectScenes];

    public static bool IsZeroShot(ToySubject subject) => ZeroShotSubjects.Contains(subject);

    /// <summary>The stage-3 filter: true when no zero-shot subject is given as an image.</summary>
    public static bool AllowedForInstructionTuning(ToyComposition composition) =>
        !composition.ImageSubjects.Any(IsZeroShot);

    /// <summary>One scene: <c>Coin()</c> chooses two objects (true) or one, then <c>Pick</c> from that list.</summary>
    public static ToyScene SampleScene(ToyRandom random) =>
        random.Pick(random.Coin() ? TwoObjectScenes : OneObjectScenes);

    /// <summary>
    /// Caption-image pairs (stage 0: the text-to-image stand-in; stage 1: multimodal pretraining):
    /// <paramref name="count"/> calls of <see cref="SampleScene"/>. The caption is <see cref="ToyCaptions.Caption"/>.
    /// </summary>
    public static IReadOnlyList<ToyScene> SceneSamples(int count, int seed)
    {
        var random = new ToyRandom(seed);
        return [.. Enumerable.Range(0, CheckCount(count)).Select(_ => SampleScene(random))];
    }

    /// <summary>Captions alone (stage 2, alignment): the captions of <see cref="SceneSamples"/>.</summary>
    public static IReadOnlyList<string> CaptionSamples(int count, int seed) =>
        [.. SceneSamples(count, seed).Select(ToyCaptions.Caption)];

    /// <summary>
    /// Stage-3 compositions, never with a zero-shot subject image. Per record: <see cref="SampleScene"/>; the objects
    /// whose subjects are not zero-shot are the candidates (none: draw a new scene); one candidate is given as an
    /// image; with two, <c>Next(3)</c> chooses the first (0), the second (1) or both (2).
    /// </summary>
    public static IReadOnlyList<ToyComposition> Compositions(int count, int seed)
    {
        var random = new ToyRandom(seed);
        var result = new List<ToyComposition>(CheckCount(count));
        while (result.Count < count)
        {
            var scene = SampleScene(random);
            var candidates = scene.Objects.Select(o => !IsZeroShot(o.Subject)).ToArray();
            var composition = candidates switch
            {
                [true] => new ToyComposition(scene, firstIsImage: true),
                [true, true] => random.Next(3) switch
                {
                    0 => new ToyComposition(scene, firstIsImage: true),
                    1 => new ToyComposition(scene, secondIsImage: true),
                    _ => new ToyComposition(scene, firstIsImage: true, secondIsImage: true),
                },
                [true, false] => new ToyComposition(scene, firstIsImage: true),
                [false, true] => new ToyComposition(scene, secondIsImage: true),
                _ => null,
            };
            if (composition is not null) result.Add(composition);
        }
        return result;
    }

    /// <summary>
    /// The held-out evaluation prompts (234): every zero-shot subject given as an image
    /// <list type="bullet">
    /// <item>alone at every position on every background (6 x 5 x 3 = 90);</item>
    /// <item>with a partner at left+right and top+bottom, in either slot, on every background, the partner given as
    /// text and again as an image (6 x 2 x 2 x 3 x 2 = 144). The partner is drawn per (subject, pair, slot,
    /// background) in that loop order: <c>Pick</c> a colour other than the subject's, then <c>Pick</c> a shape.</item>
    /// </list>
    /// Stage 3 never gives these subjects as images, so none of these prompts is seen in training.
    /// </summary>
    public static IReadOnlyList<ToyComposition> Evaluation(int seed)
    {
        var random = new ToyRandom(seed);
        var result = new List<ToyComposition>();
        foreach (var z in ZeroShotSubjects)
            foreach (var p in ToyPosition.All)
                foreach (var b in ToyBackground.All)
                    result.Add(new ToyComposition(new ToyScene(b, new ToyObject(z.Color, z.Shape, p)), firstIsImage: true));
        foreach (var z in ZeroShotSubjects)
            foreach (var (p1, p2) in new[] { (ToyPosition.Left, ToyPosition.Right), (ToyPosition.Top, ToyPosition.Bottom) })
                foreach (var zFirst in new[] { true, false })
                    foreach (var b in ToyBackground.All)
                    {
                        var color = random.Pick(ToyColor.Palette.Where(c => c != z.Color).ToList());
                        var shape = random.Pick(ToyShape.All);
                        var scene = zFirst
                            ? new ToyScene(b, new ToyObject(z.Color, z.Shape, p1), new ToyObject(color, shape, p2))
                            : new ToyScene(b, new ToyObject(color, shape, p1), new ToyObject(z.Color, z.Shape, p2));
                        result.Add(new ToyComposition(scene, firstIsImage: zFirst, secondIsImage: !zFirst));
                        result.Add(new ToyComposition(scene, firstIsImage: true, secondIsImage: true));
                    }
        return result;
    }

    private static int CheckCount(int count) =>
        count >= 0 ? count : throw new ArgumentOutOfRangeException(nameof(count), count, "Need a non-negative count");
}
