using KosmosG.Imaging;
using static TorchSharp.torch;

namespace KosmosG.Evaluation.DreamBench;

/// <summary>
/// The exact input pipeline of one metric model: shorter side to <see cref="ResizeTo"/> with Pillow's bicubic, centre
/// crop, then per-channel normalisation through a lookup table of the float32 value each uint8 level becomes (the
/// reference computes it elementwise, so a table is bit-exact).
/// </summary>
public sealed class MetricImageTransform
{
    readonly float[] _lut; // [3 * 256]

    /// <summary>DINO (torchvision): Resize(256, BICUBIC), CenterCrop(224) rounding half to even, ToTensor (float32 v / 255)
    /// and Normalize with the ImageNet mean/std, in float32.</summary>
    public static MetricImageTransform Dino { get; } = new(256, 224, CropOffsetRounding.HalfToEven,
        [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], v => v / 255f);

    /// <summary>CLIP (transformers' CLIPImageProcessor): shortest edge 224 (bicubic), center_crop 224 flooring the offset,
    /// v * (1/255) in float64 cast to float32, then (x - mean) / std in float32 with OpenAI's mean/std.</summary>
    public static MetricImageTransform Clip { get; } = new(224, 224, CropOffsetRounding.Floor,
        ClipImagePreprocessor.ClipMean, ClipImagePreprocessor.ClipStd, v => (float)(v * (1.0 / 255)));

    public int ResizeTo { get; }
    public int CropSize { get; }
    public CropOffsetRounding Rounding { get; }

    MetricImageTransform(int resizeTo, int cropSize, CropOffsetRounding rounding, double[] mean, double[] std, Func<int, float> rescale)
    {
        (ResizeTo, CropSize, Rounding) = (resizeTo, cropSize, rounding);
        _lut = new float[3 * 256];
        for (var c = 0; c < 3; c++)
        {
            float m = (float)mean[c], s = (float)std[c];
            for (var v = 0; v < 256; v++) _lut[c * 256 + v] = (rescale(v) - m) / s;
        }
    }

    /// <summary>float32 [3, 256]: the model input value of every uint8 level per channel.</summary>
    public Tensor Lut() => tensor(_lut, [3, 256]);

    /// <summary>The uint8 crop the model sees.</summary>
    public RgbImage Crop(RgbImage image) => ShorterSideResize.CenterCrop(ShorterSideResize.Resize(image, ResizeTo), CropSize, Rounding);

    /// <summary>float32 [N, 3, CropSize, CropSize] of already cropped images.</summary>
    public Tensor PixelValues(IReadOnlyList<RgbImage> crops)
    {
        var plane = CropSize * CropSize;
        var values = new float[crops.Count * 3 * plane];
        for (var n = 0; n < crops.Count; n++)
        {
            var crop = crops[n];
            if (crop.Width != CropSize || crop.Height != CropSize)
                throw new ArgumentException($"crop {n} is {crop.Width}x{crop.Height}, expected {CropSize}x{CropSize}");
            var offset = n * 3 * plane;
            for (var i = 0; i < plane; i++)
                for (var c = 0; c < 3; c++)
                    values[offset + c * plane + i] = _lut[c * 256 + crop.Pixels[i * 3 + c]];
        }
        return tensor(values, [crops.Count, 3, CropSize, CropSize]);
    }

    /// <summary>Crop and convert: the model input of decoded images.</summary>
    public Tensor Preprocess(IReadOnlyList<RgbImage> images) => PixelValues(images.Select(Crop).ToList());
}
