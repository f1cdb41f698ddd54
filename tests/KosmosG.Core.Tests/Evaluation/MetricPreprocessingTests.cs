using System.Security.Cryptography;
using KosmosG.Evaluation.DreamBench;
using KosmosG.Imaging;
using static TorchSharp.torch;

namespace KosmosG.Tests.Evaluation;

/// <summary>eval-tiny: decoding like Image.open().convert('RGB'), the DINO (torchvision) and CLIP (CLIPImageProcessor)
/// crops and normalisation, all exact.</summary>
public class MetricPreprocessingTests
{
    public static TheoryData<string> Images => [.. EvalTinyCases.ImageCases];
    public static TheoryData<string> PngImages => [.. EvalTinyCases.ImageCases.Where(n => EvalTinyCases.ImageFile(n).EndsWith(".png", StringComparison.Ordinal))];

    /// <summary>The decoded pixels the reference saw: Pillow's for JPEG (stored), our decoder's for PNG (checked by hash).</summary>
    internal static RgbImage ReferencePixels(string name, Dictionary<string, Tensor> data)
    {
        if (data.TryGetValue("rgb_u8", out var rgb))
            return new RgbImage((int)rgb.shape[1], (int)rgb.shape[0], rgb.contiguous().data<byte>().ToArray());
        return PilImageFile.LoadRgb(EvalTinyCases.ImageFile(name));
    }

    [Fact]
    public void LookupTablesAreBitExact()
    {
        var data = EvalTinyCases.Case("normalize_lut");
        using var dino = MetricImageTransform.Dino.Lut();
        using var clip = MetricImageTransform.Clip.Lut();
        Assert.True(data["dino_lut"].Equals(dino), "DINO lut differs");
        Assert.True(data["clip_lut"].Equals(clip), "CLIP lut differs");
    }

    [Theory]
    [MemberData(nameof(PngImages))]
    public void PngFilesDecodeLikePillowConvertRgb(string name)
    {
        var info = EvalTinyCases.Info(name);
        var image = PilImageFile.LoadRgb(EvalTinyCases.ImageFile(name));
        Assert.Equal(info.GetProperty("decoded_rgb_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(image.Pixels)));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void CropsAreExact(string name)
    {
        var data = EvalTinyCases.Case(name);
        var image = ReferencePixels(name, data);
        AssertCrop(data["dino_crop_u8"], MetricImageTransform.Dino.Crop(image), "dino_crop_u8");
        AssertCrop(data["clip_crop_u8"], MetricImageTransform.Clip.Crop(image), "clip_crop_u8");
    }

    [Fact]
    public void PixelValuesAreExact()
    {
        var data = EvalTinyCases.Case("image_p0_rgb_400x300");
        var image = ReferencePixels("image_p0_rgb_400x300", data);
        using var dino = MetricImageTransform.Dino.Preprocess([image]);
        using var clip = MetricImageTransform.Clip.Preprocess([image]);
        Assert.True(data["dino_pixel_values"].Equals(dino), "DINO pixel values differ");
        Assert.True(data["clip_pixel_values"].Equals(clip), "CLIP pixel values differ");
    }

    /// <summary>JPEGs decode to Pillow's pixels exactly: both use libjpeg-turbo.</summary>
    [Fact]
    public void JpegDecodingEqualsPillow()
    {
        var jpegs = EvalTinyCases.ImageCases.Where(n => EvalTinyCases.ImageFile(n).EndsWith(".jpg", StringComparison.Ordinal))
            .Select(n => (n, EvalTinyCases.ImageFile(n), ReferencePixels(n, EvalTinyCases.Case(n))))
            .Concat(new[] { "bear_plushie/03", "dog6/02" }.Select(r => (r, Path.Combine(EvalTinyCases.DatasetDir, r + ".jpg"),
                PilImageFile.LoadRgb(Path.Combine(Fixtures.EvalTiny, "cases", "dreambench_reference_decoded", r.Replace('/', '_') + ".png")))));
        foreach (var (name, file, pillow) in jpegs)
        {
            var ours = PilImageFile.LoadRgb(file);
            Assert.Equal((pillow.Width, pillow.Height), (ours.Width, ours.Height));
            var diffs = pillow.Pixels.Zip(ours.Pixels, (a, b) => Math.Abs(a - b)).ToArray();
            Assert.True(diffs.Max() == 0, $"{name}: {diffs.Count(d => d > 0)} of {diffs.Length} values differ, max {diffs.Max()}");
        }
    }

    static void AssertCrop(Tensor expected, RgbImage actual, string what)
    {
        Assert.Equal((224, 224), (actual.Width, actual.Height));
        var bytes = expected.contiguous().data<byte>().ToArray();
        var differing = bytes.Zip(actual.Pixels, (a, b) => a != b).Count(x => x);
        Assert.True(differing == 0, $"{what}: {differing} values differ");
    }
}
