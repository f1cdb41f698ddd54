using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;

namespace KosmosG.Testing;

/// <summary>Reads the text chunks of a PNG (the generation parameters our images carry).</summary>
public static class PngText
{
    public static IReadOnlyDictionary<string, string> Read(byte[] png)
    {
        var info = Image.Identify(png) ?? throw new InvalidDataException("not an image");
        return info.Metadata.GetPngMetadata().TextData.ToDictionary(t => t.Keyword, t => t.Value);
    }
}
