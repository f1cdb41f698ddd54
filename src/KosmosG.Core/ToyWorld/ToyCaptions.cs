namespace KosmosG.ToyWorld;

/// <summary>Captions and interleaved prompts, byte-exact per TOYWORLD.md "Scenes and captions" and "Subjects".</summary>
public static class ToyCaptions
{
    public const string ImageMarker = "<i>";

    /// <summary>E.g. "a blue square at the top and a yellow triangle at the bottom on a gray background".</summary>
    public static string Caption(ToyScene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        return Join(scene, scene.Objects.Select(Describe));
    }

    /// <summary>
    /// The caption with "a {colour} {shape}" of every image-given object replaced by <c>&lt;i&gt;</c>, e.g.
    /// "&lt;i&gt; on the left and a blue square on the right on a black background" + the red circle's subject image.
    /// </summary>
    public static ToyInterleavedPrompt Interleaved(ToyComposition composition)
    {
        ArgumentNullException.ThrowIfNull(composition);
        var scene = composition.Scene;
        var parts = scene.Objects.Select((o, i) => composition.IsImage(i) ? $"{ImageMarker} {o.Position.Phrase}" : Describe(o));
        var subjects = composition.ImageSubjects;
        return new ToyInterleavedPrompt(Join(scene, parts), subjects, subjects.Select(ToyRenderer.RenderSubject).ToList());
    }

    /// <summary>The words an interleaved prompt replaces by the subject's image, e.g. "a red circle".</summary>
    public static string Phrase(ToySubject subject) => $"a {subject.Words}";

    private static string Describe(ToyObject o) => $"{Phrase(o.Subject)} {o.Position.Phrase}";

    private static string Join(ToyScene scene, IEnumerable<string> objectParts) =>
        $"{string.Join(" and ", objectParts)} on a {scene.Background.Name} background";
}
