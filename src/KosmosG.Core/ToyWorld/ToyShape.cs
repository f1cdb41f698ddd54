namespace KosmosG.ToyWorld;

/// <summary>
/// A shape with its exact inside test (TOYWORLD.md "Shapes"), edges included. Offsets from the centre are
/// half-integers for pixel centres, so every comparison below is exact in double arithmetic.
/// </summary>
public sealed class ToyShape
{
    private readonly Func<double, double, bool> inside;

    private ToyShape(string name, Func<double, double, bool> inside)
    {
        Name = name;
        this.inside = inside;
    }

    public static readonly ToyShape Circle = new("circle", (dx, dy) => dx * dx + dy * dy <= 10 * 10);
    public static readonly ToyShape Square = new("square", (dx, dy) => Math.Abs(dx) <= 10 && Math.Abs(dy) <= 10);

    /// <summary>Apex (0, -10), base corners (+-11, 10): the half-width at offset dy is 11 (dy + 10) / 20.</summary>
    public static readonly ToyShape Triangle = new("triangle", (dx, dy) => dy <= 10 && 20 * Math.Abs(dx) <= 11 * (dy + 10));

    /// <summary>Every shape lies within this many pixels of its centre on both axes (the triangle's half-base).</summary>
    public const int Reach = 11;

    public static IReadOnlyList<ToyShape> All { get; } = [Circle, Square, Triangle];

    public string Name { get; }

    /// <summary>Whether the point (px, py) is inside this shape centred at (cx, cy).</summary>
    public bool Contains(double px, double py, double cx, double cy) => inside(px - cx, py - cy);

    public override string ToString() => Name;
}
