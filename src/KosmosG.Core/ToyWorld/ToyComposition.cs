namespace KosmosG.ToyWorld;

/// <summary>
/// A scene whose prompt gives some objects as subject images (<c>&lt;i&gt;</c>) and the rest as text: the unit of
/// stage-3 data and of evaluation. With no object given as an image it is a plain caption.
/// </summary>
public sealed record ToyComposition
{
    public ToyComposition(ToyScene scene, bool firstIsImage = false, bool secondIsImage = false)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (secondIsImage && scene.Second is null)
            throw new ArgumentException($"Scene {scene} has no second object to give as an image", nameof(secondIsImage));
        Scene = scene;
        FirstIsImage = firstIsImage;
        SecondIsImage = secondIsImage;
    }

    public ToyScene Scene { get; }
    public bool FirstIsImage { get; }
    public bool SecondIsImage { get; }

    /// <summary>Whether object <paramref name="index"/> of <see cref="ToyScene.Objects"/> is given as a subject image.</summary>
    public bool IsImage(int index) => index switch
    {
        0 => FirstIsImage,
        1 when Scene.Second is not null => SecondIsImage,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, $"Scene {Scene} has {Scene.Objects.Count} object(s)"),
    };

    /// <summary>The subjects given as images, in marker order.</summary>
    public IReadOnlyList<ToySubject> ImageSubjects =>
        Scene.Objects.Where((_, i) => IsImage(i)).Select(o => o.Subject).ToList();

    public override string ToString() => $"{Scene} (images: {string.Join(", ", ImageSubjects)})";
}
