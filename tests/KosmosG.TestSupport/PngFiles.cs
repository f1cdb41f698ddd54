using KosmosG.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using static TorchSharp.torch;

namespace KosmosG.Testing;

/// <summary>Reads back the PNGs the pipelines and the service produce.</summary>
public static class PngFiles
{
    /// <summary>The text chunks (our generation parameters).</summary>
    public static IReadOnlyDictionary<string, string> Text(byte[] png)
    {
        var info = Image.Identify(png) ?? throw new InvalidDataException("not an image");
        return info.Metadata.GetPngMetadata().TextData.ToDictionary(t => t.Keyword, t => t.Value);
    }

    /// <summary>Pixels as float32 [3, H, W] in 0..255.</summary>
    public static Tensor Pixels(byte[] png)
    {
        using var unit = ImageTensors.ToTensor(new ImageDecoder().Decode(png));
        return unit.mul(255).round();
    }
}
