using static TorchSharp.torch;

namespace KosmosG.Imaging;

/// <summary>
/// KOSMOS-G's vision preprocessing (<c>Resize(size, BICUBIC)</c>, <c>CenterCrop(size)</c>,
/// <c>NumpyNormalize(mean, std)</c>), exact: torchvision's shorter-side resize through Pillow's bicubic
/// (<see cref="PilResize"/>), centre crop with round-half-even offsets, and (u8/255 - mean)/std in float64
/// converted once to the requested dtype (the official code hands float64 to <c>.to(float16)</c>).
/// </summary>
public sealed class ClipImagePreprocessor
{
    public static readonly double[] ClipMean = [0.48145466, 0.4578275, 0.40821073];
    public static readonly double[] ClipStd = [0.26862954, 0.26130258, 0.27577711];

    readonly double[] _mean;
    readonly double[] _std;

    public int Size { get; }

    public ClipImagePreprocessor(int size, double[]? mean = null, double[]? std = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        _mean = mean ?? ClipMean;
        _std = std ?? ClipStd;
        if (_mean.Length != 3 || _std.Length != 3) throw new ArgumentException("mean and std need one value per RGB channel");
        Size = size;
    }

    /// <summary>Shorter side -> Size, longer = int(Size * long / short); an image already that short is unchanged.</summary>
    public RgbImage Resize(RgbImage image) => ShorterSideResize.Resize(image, Size);

    /// <summary>The central Size x Size square; offsets round((H-S)/2) half to even, like torchvision.</summary>
    public RgbImage CenterCrop(RgbImage image) => ShorterSideResize.CenterCrop(image, Size, CropOffsetRounding.HalfToEven);

    /// <summary>The Size x Size square the vision tower sees (resize, then crop); preprocessing it again changes nothing,
    /// so it can stand in for the original image.</summary>
    public static RgbImage Reduce(RgbImage image, int size) =>
        ShorterSideResize.CenterCrop(ShorterSideResize.Resize(image, size), size, CropOffsetRounding.HalfToEven);

    /// <summary>(u8/255 - mean)/std per channel in float64, as a [3, H, W] float64 array (row-major).</summary>
    public double[] Normalize(RgbImage image)
    {
        var plane = image.Width * image.Height;
        var values = new double[3 * plane];
        for (var i = 0; i < plane; i++)
            for (var c = 0; c < 3; c++)
                values[c * plane + i] = (image.Pixels[i * 3 + c] / 255.0 - _mean[c]) / _std[c];
        return values;
    }

    /// <summary>Resize, crop and normalise one image: [3, Size, Size] of <paramref name="dtype"/>.</summary>
    public Tensor Preprocess(RgbImage image, ScalarType dtype = ScalarType.Float32)
    {
        return Convert(tensor(Normalize(Reduce(image, Size)), [3, Size, Size], ScalarType.Float64), dtype);
    }

    /// <summary>A batch: [N, 3, Size, Size] of <paramref name="dtype"/>.</summary>
    public Tensor PreprocessBatch(IReadOnlyList<RgbImage> images, ScalarType dtype = ScalarType.Float32)
    {
        if (images.Count == 0) throw new ArgumentException("at least one image is needed", nameof(images));
        var per = 3 * Size * Size;
        var values = new double[images.Count * per];
        for (var n = 0; n < images.Count; n++)
            Normalize(Reduce(images[n], Size)).CopyTo(values, n * per);
        return Convert(tensor(values, [images.Count, 3, Size, Size], ScalarType.Float64), dtype);
    }

    static Tensor Convert(Tensor f64, ScalarType dtype)
    {
        if (dtype == ScalarType.Float64) return f64;
        using (f64) return f64.to(dtype);
    }
}
