namespace KosmosG.ToyWorld;

/// <summary>What a subject image shows: a coloured shape (drawn at the center on white by the renderer).</summary>
public sealed record ToySubject(ToyColor Color, ToyShape Shape)
{
    /// <summary>"red circle": the words an interleaved prompt replaces (after the article) by a subject image.</summary>
    public string Words => $"{Color.Name} {Shape.Name}";

    /// <summary>A stable file-name stem, e.g. "red-circle".</summary>
    public string Key => $"{Color.Name}-{Shape.Name}";

    public override string ToString() => Words;
}
