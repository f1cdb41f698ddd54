using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>Draws scenes exactly per TOYWORLD.md "Canvas": pixel centres at (x + 0.5, y + 0.5), no anti-aliasing.</summary>
public static class ToyRenderer
{
    public const int Size = 64;

    /// <summary>The 64x64 picture of a scene; later objects are drawn over earlier ones.</summary>
    public static RgbImage Render(ToyScene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        var pixels = new byte[Size * Size * 3];
        var bg = scene.Background.Color;
        for (int i = 0; i < pixels.Length; i += 3)
        {
            pixels[i] = bg.R;
            pixels[i + 1] = bg.G;
            pixels[i + 2] = bg.B;
        }
        foreach (var obj in scene.Objects)
            Draw(pixels, obj);
        return new RgbImage(Size, Size, pixels);
    }

    /// <summary>A subject image: the object at the center on a white background.</summary>
    public static RgbImage RenderSubject(ToySubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return Render(new ToyScene(ToyBackground.White, new ToyObject(subject.Color, subject.Shape, ToyPosition.Center)));
    }

    public static RgbImage RenderSubject(ToyColor color, ToyShape shape) => RenderSubject(new ToySubject(color, shape));

    private static void Draw(byte[] pixels, ToyObject obj)
    {
        var (c, cx, cy) = (obj.Color, obj.Position.CenterX, obj.Position.CenterY);
        // Only pixels c - 11 .. c + 10 have centres within the shapes' reach of the centre.
        for (int y = Math.Max(0, cy - ToyShape.Reach); y < Math.Min(Size, cy + ToyShape.Reach); y++)
            for (int x = Math.Max(0, cx - ToyShape.Reach); x < Math.Min(Size, cx + ToyShape.Reach); x++)
                if (obj.Shape.Contains(x + 0.5, y + 0.5, cx, cy))
                {
                    int i = (y * Size + x) * 3;
                    pixels[i] = c.R;
                    pixels[i + 1] = c.G;
                    pixels[i + 2] = c.B;
                }
    }
}
