using KosmosG.Imaging;
using KosmosG.Training.Data;
using static TorchSharp.torch;

namespace KosmosG.Training.StandIn;

/// <summary>
/// Stage-0 data: the caption-image pairs of a manifest (<see cref="LmExample"/> lines with an image), each distinct
/// image decoded once into <see cref="Images"/> ([N, 3, H, W] float32 in [-1, 1], the VAE's input range).
/// </summary>
public sealed class StandInData : IDisposable
{
    StandInData(Tensor images, IReadOnlyList<(string Caption, int Image)> pairs)
    {
        Images = images;
        Pairs = pairs;
    }

    public Tensor Images { get; }
    /// <summary>Every manifest line: its caption and the row of its image in <see cref="Images"/>.</summary>
    public IReadOnlyList<(string Caption, int Image)> Pairs { get; }

    public static StandInData Load(IReadOnlyList<LmExample> examples)
    {
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        var pixels = new List<Tensor>();
        var pairs = new List<(string, int)>(examples.Count);
        var decoder = new ImageDecoder();
        int? size = null;
        foreach (var example in examples)
        {
            var path = example.ImagePath ?? throw new InvalidDataException($"manifest line {example.Line}: stage 0 needs an image for every caption");
            if (!rows.TryGetValue(path, out var row))
            {
                var image = ManifestImages.Decode(decoder, path, example.Line);
                size ??= image.Width;
                if (image.Width != size || image.Height != size)
                    throw new InvalidDataException($"manifest line {example.Line}: {path} is {image.Width}x{image.Height}; stage 0 needs every image {size}x{size}");
                row = rows[path] = pixels.Count;
                pixels.Add(ImageTensors.ToTensor(image).mul_(2).sub_(1));
            }
            pairs.Add((example.Caption, row));
        }
        if (pixels.Count == 0) throw new InvalidDataException("the stage-0 manifest has no examples");
        var images = stack(pixels);
        foreach (var p in pixels) p.Dispose();
        return new StandInData(images, pairs);
    }

    public void Dispose() => Images.Dispose();
}
