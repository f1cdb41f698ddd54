namespace KosmosG.ToyWorld;

/// <summary>
/// The held-out prompts `kosmosg eval toy` runs: <see cref="ToyWorldSets.Evaluation"/> restricted to prompts whose
/// every subject image is a zero-shot subject (the set also gives a training subject as an image next to a zero-shot
/// one; those would mix seen subjects into the zero-shot score), in an order whose every prefix is spread out.
/// </summary>
public static class ToyEvalPrompts
{
    /// <summary>
    /// Layout order of the strata: one object, then both two-object layouts first, so the first three prompts already
    /// cover one and two objects, all five positions and (see <see cref="Select"/>) all three backgrounds.
    /// </summary>
    public static IReadOnlyList<string> Layouts { get; } = ["center", "left+right", "top+bottom", "left", "right", "top", "bottom"];

    /// <summary>
    /// The evaluation compositions whose subject images are all zero-shot, in <see cref="ToyWorldSets.Evaluation"/> order,
    /// each once (two zero-shot subjects drawn as each other's partner make the same two-image prompt twice).
    /// </summary>
    public static IReadOnlyList<ToyComposition> ZeroShot(int seed) =>
        [.. ToyWorldSets.Evaluation(seed).Where(c => c.ImageSubjects.All(ToyWorldSets.IsZeroShot)).Distinct()];

    /// <summary>
    /// The first <paramref name="count"/> prompts of <see cref="ZeroShot"/> reordered: a Fisher-Yates shuffle
    /// (<c>Next(i + 1)</c> for i from the last index down, on <c>ToyRandom(seed)</c>), then grouped into the 21 strata
    /// (layout, background) and dealt round-robin over the strata in the order stratum k = (layout k mod 7,
    /// background (k + k / 7) mod 3), which meets every pair once per round. Case i has seed <paramref name="seed"/> + i.
    /// </summary>
    public static IReadOnlyList<ToyEvalCase> Select(int count, int seed)
    {
        var all = ZeroShot(seed);
        if (count < 1 || count > all.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The zero-shot evaluation set for seed {seed} has {all.Count} prompts: need 1 to {all.Count}");

        var shuffled = all.ToArray();
        var random = new ToyRandom(seed);
        for (int i = shuffled.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }
        var strata = shuffled.ToLookup(c => (Layout(c.Scene), c.Scene.Background));
        int n = Layouts.Count, backgrounds = ToyBackground.All.Count;
        var order = Enumerable.Range(0, n * backgrounds)
            .Select(k => strata[(Layouts[k % n], ToyBackground.All[(k + k / n) % backgrounds])].ToList())
            .ToList();
        var dealt = Enumerable.Range(0, order.Max(s => s.Count))
            .SelectMany(round => order.Where(s => round < s.Count).Select(s => s[round]));
        return [.. dealt.Take(count).Select((c, i) => new ToyEvalCase(i, c, (long)seed + i))];
    }

    /// <summary>"left" for one object on the left, "left+right" for a pair.</summary>
    public static string Layout(ToyScene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        return string.Join("+", scene.Objects.Select(o => o.Position.Name));
    }
}
