using KosmosG.Imaging;
using static TorchSharp.torch;

namespace KosmosG.Training.Data;

/// <summary>Images named by manifest lines, decoded and preprocessed on the prefetch thread (managed data only).</summary>
public sealed class ManifestImages
{
    readonly ImageDecoder _decoder = new();

    /// <summary>Preprocessed pixels [3, S, S] row-major; an unreadable file is an error naming the manifest line.</summary>
    public float[] Pixels(ClipImagePreprocessor preprocessor, string path, int line)
    {
        var image = Decode(_decoder, path, line);
        return Array.ConvertAll(preprocessor.Normalize(preprocessor.CenterCrop(preprocessor.Resize(image))), v => (float)v);
    }

    /// <summary>Decodes an image file; an unreadable file is an error naming the manifest line.</summary>
    public static RgbImage Decode(ImageDecoder decoder, string path, int line)
    {
        try { return decoder.Decode(File.ReadAllBytes(path)); }
        catch (Exception e) when (e is IOException or ImageDecodeException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"manifest line {line}: cannot read image {path}: {e.Message}", e);
        }
    }

    /// <summary>float32 [N, 3, S, S] on the CPU.</summary>
    public static Tensor Stack(float[][] images, int size)
    {
        var per = 3 * size * size;
        var flat = new float[images.Length * per];
        for (var i = 0; i < images.Length; i++) images[i].CopyTo(flat, i * per);
        return tensor(flat, [images.Length, 3, size, size]);
    }
}
