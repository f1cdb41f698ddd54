namespace KosmosG.ToyWorld;

/// <summary>A named 8-bit RGB colour of the shapes world (TOYWORLD.md "Colours").</summary>
public sealed record ToyColor(string Name, byte R, byte G, byte B)
{
    public static readonly ToyColor Red = new("red", 230, 25, 25);
    public static readonly ToyColor Green = new("green", 25, 170, 45);
    public static readonly ToyColor Blue = new("blue", 30, 70, 230);
    public static readonly ToyColor Yellow = new("yellow", 245, 215, 20);
    public static readonly ToyColor Purple = new("purple", 150, 40, 190);
    public static readonly ToyColor Orange = new("orange", 245, 130, 20);

    /// <summary>The six object colours, in the order of the table.</summary>
    public static IReadOnlyList<ToyColor> Palette { get; } = [Red, Green, Blue, Yellow, Purple, Orange];

    /// <summary>Squared Euclidean RGB distance to a pixel (integer, so threshold tests are exact).</summary>
    public int SquaredDistance(byte r, byte g, byte b)
    {
        int dr = r - R, dg = g - G, db = b - B;
        return dr * dr + dg * dg + db * db;
    }

    public override string ToString() => Name;
}
