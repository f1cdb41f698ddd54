using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace KosmosG.Imaging;

/// <summary>Encodes an <see cref="RgbImage"/> as an 8-bit RGB PNG carrying text chunks (e.g. the generation parameters).</summary>
public static class PngEncoder
{
    static readonly SixLabors.ImageSharp.Formats.Png.PngEncoder Encoder = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
        TextCompressionThreshold = int.MaxValue, // keep Latin-1 text as plain tEXt, never zTXt
    };

    /// <summary>
    /// Keywords must be 1-79 printable Latin-1 characters without leading/trailing spaces (PNG spec);
    /// values that are not Latin-1 are written as UTF-8 iTXt chunks.
    /// </summary>
    public static byte[] Encode(RgbImage image, IReadOnlyDictionary<string, string>? textChunks = null)
    {
        image.Validate();
        using var img = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        var png = img.Metadata.GetPngMetadata();
        foreach (var (keyword, value) in textChunks ?? new Dictionary<string, string>())
        {
            ValidateKeyword(keyword);
            png.TextData.Add(new PngTextData(keyword, value ?? "", "", ""));
        }
        using var stream = new MemoryStream();
        img.SaveAsPng(stream, Encoder);
        return stream.ToArray();
    }

    static void ValidateKeyword(string keyword)
    {
        if (string.IsNullOrEmpty(keyword) || keyword.Length > 79 || keyword[0] == ' ' || keyword[^1] == ' '
            || keyword.Any(c => c is < ' ' or (> '~' and < '\u00A1') or > '\u00FF'))
            throw new ArgumentException($"'{keyword}' is not a valid PNG text keyword (1-79 printable Latin-1 characters, no leading/trailing space)");
    }
}
