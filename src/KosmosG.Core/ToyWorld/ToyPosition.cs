namespace KosmosG.ToyWorld;

/// <summary>Where an object's centre is, and how captions say it (TOYWORLD.md "Positions").</summary>
public sealed record ToyPosition(string Name, int CenterX, int CenterY, string Phrase)
{
    public static readonly ToyPosition Left = new("left", 16, 32, "on the left");
    public static readonly ToyPosition Right = new("right", 48, 32, "on the right");
    public static readonly ToyPosition Top = new("top", 32, 16, "at the top");
    public static readonly ToyPosition Bottom = new("bottom", 32, 48, "at the bottom");
    public static readonly ToyPosition Center = new("center", 32, 32, "in the center");

    public static IReadOnlyList<ToyPosition> All { get; } = [Left, Right, Top, Bottom, Center];

    public override string ToString() => Name;
}
