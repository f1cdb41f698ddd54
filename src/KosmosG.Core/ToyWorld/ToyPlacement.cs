using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>
/// A shape at any centre and size (the demo adapters' world beyond the five caption positions): the TOYWORLD.md shape
/// scaled about its centre by <see cref="Scale"/> (1 = the caption objects' size), same pixel-centre rule.
/// </summary>
public sealed record ToyPlacement(ToyShape Shape, int CenterX, int CenterY, double Scale)
{
    /// <summary>How far from its centre the scaled shape reaches (pixels).</summary>
    public int Reach => (int)Math.Ceiling(ToyShape.Reach * Scale);

    /// <summary>The placement of a caption object drawn <paramref name="scale"/> times as large, same centre.</summary>
    public static ToyPlacement Of(ToyObject obj, double scale = 1) => new(obj.Shape, obj.Position.CenterX, obj.Position.CenterY, scale);

    /// <summary>Layout shapes are 0.6 to 1.6 times the caption objects' size.</summary>
    public const double MinLayoutScale = 0.6, MaxLayoutScale = 1.6;

    /// <summary>A random layout: any shape, size and centre that keeps it inside the frame.</summary>
    public static ToyPlacement RandomLayout(Random random)
    {
        var shape = ToyShape.All[random.Next(ToyShape.All.Count)];
        var scale = Math.Round(MinLayoutScale + random.NextDouble() * (MaxLayoutScale - MinLayoutScale), 2);
        var reach = (int)Math.Ceiling(ToyShape.Reach * scale);
        return new ToyPlacement(shape, random.Next(reach, ToyRenderer.Size - reach + 1), random.Next(reach, ToyRenderer.Size - reach + 1), scale);
    }

    /// <summary>The layout picture a user would draw: the shape in some colour on some background.</summary>
    public static RgbImage LayoutPicture(ToyPlacement layout, Random random) =>
        Render(new[] { ToyBackground.White, ToyBackground.Black, ToyBackground.Gray }[random.Next(3)],
            [(ToyColor.Palette[random.Next(ToyColor.Palette.Count)], layout)]);

    /// <summary>A 64x64 picture of coloured placements on <paramref name="background"/>, later ones over earlier ones.</summary>
    public static RgbImage Render(ToyBackground background, IEnumerable<(ToyColor Color, ToyPlacement Placement)> objects)
    {
        const int size = ToyRenderer.Size;
        var pixels = new byte[size * size * 3];
        for (var i = 0; i < pixels.Length; i += 3)
            (pixels[i], pixels[i + 1], pixels[i + 2]) = (background.Color.R, background.Color.G, background.Color.B);
        foreach (var (color, p) in objects)
        {
            for (var y = Math.Max(0, p.CenterY - p.Reach); y < Math.Min(size, p.CenterY + p.Reach); y++)
                for (var x = Math.Max(0, p.CenterX - p.Reach); x < Math.Min(size, p.CenterX + p.Reach); x++)
                {
                    if (!p.Shape.Contains(p.CenterX + (x + 0.5 - p.CenterX) / p.Scale, p.CenterY + (y + 0.5 - p.CenterY) / p.Scale, p.CenterX, p.CenterY)) continue;
                    var i = (y * size + x) * 3;
                    (pixels[i], pixels[i + 1], pixels[i + 2]) = (color.R, color.G, color.B);
                }
        }
        return new RgbImage(size, size, pixels);
    }
}
