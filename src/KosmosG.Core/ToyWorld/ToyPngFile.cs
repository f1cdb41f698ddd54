using KosmosG.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace KosmosG.ToyWorld;

/// <summary>Writes an RgbImage as an 8-bit RGB PNG (until a shared KosmosG.Imaging PNG encoder exists).</summary>
public static class ToyPngFile
{
    public static void Save(RgbImage image, string path)
    {
        image.Validate();
        using var png = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        png.SaveAsPng(path);
    }
}
