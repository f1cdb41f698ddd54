namespace KosmosG.ToyWorld;

/// <summary>A scene background (TOYWORLD.md "Backgrounds"); its colour is never one of the object colours.</summary>
public sealed record ToyBackground(ToyColor Color)
{
    public static readonly ToyBackground White = new(new ToyColor("white", 255, 255, 255));
    public static readonly ToyBackground Black = new(new ToyColor("black", 0, 0, 0));
    public static readonly ToyBackground Gray = new(new ToyColor("gray", 128, 128, 128));

    public static IReadOnlyList<ToyBackground> All { get; } = [White, Black, Gray];

    public string Name => Color.Name;

    public override string ToString() => Name;
}
