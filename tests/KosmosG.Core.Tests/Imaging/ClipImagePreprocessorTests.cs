using KosmosG.Imaging;
using static TorchSharp.torch;

namespace KosmosG.Tests.Imaging;

/// <summary>
/// kosmosg-tiny image_preprocess cases (torchvision 0.14 + Pillow 9.4 + numpy float64). README tolerance:
/// exact for ids/u8 and exact-size pixel values; we require exact everywhere (the computation is the same
/// float64 arithmetic followed by one rounding).
/// </summary>
public class ClipImagePreprocessorTests
{
    static readonly ClipImagePreprocessor Preprocessor = new(28);
    static readonly ImageDecoder Decoder = new();

    public static TheoryData<string> ImageCases => [.. KosmosGTinyCases.IdsOfKind("image_preprocess")];
    public static TheoryData<string> CasesWithImages =>
        [.. KosmosGTinyCases.IdsOfKind("prompt", "batch", "e2e").Where(id => KosmosGTinyCases.HasTensor(id, "images_fp16"))];

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void ImagePreprocessCase_ResizeCropNormalise_Exact(string id)
    {
        var c = KosmosGTinyCases.Case(id);
        var image = Decoder.Decode(ImagingTestData.TinyImage(c.GetProperty("input_file").GetString()!));
        var resized = Preprocessor.Resize(image);
        TensorAssert.Equal(KosmosGTinyCases.Tensor(id, "resized_u8"), Hwc(resized), $"{id}.resized_u8");
        var cropped = Preprocessor.CenterCrop(resized);
        TensorAssert.Equal(KosmosGTinyCases.Tensor(id, "cropped_u8"), Hwc(cropped), $"{id}.cropped_u8");
        using var f32 = Preprocessor.Preprocess(image);
        Assert.Equal(ScalarType.Float32, f32.dtype);
        TensorAssert.Close(KosmosGTinyCases.Tensor(id, "pixel_values_f32"), f32, atol: 0, what: $"{id}.pixel_values_f32");
        using var f16 = Preprocessor.Preprocess(image, ScalarType.Float16);
        Assert.Equal(ScalarType.Float16, f16.dtype);
        TensorAssert.Close(KosmosGTinyCases.Tensor(id, "pixel_values_fp16"), f16, atol: 0, what: $"{id}.pixel_values_fp16");
    }

    [Theory]
    [MemberData(nameof(CasesWithImages))]
    public void PreprocessBatch_ModelInputImages_ExactFp16(string id)
    {
        var files = KosmosGTinyCases.Strings(KosmosGTinyCases.Case(id), "images");
        var images = files.Select(f => Decoder.Decode(ImagingTestData.TinyImage(f))).ToList();
        using var batch = Preprocessor.PreprocessBatch(images, ScalarType.Float16);
        TensorAssert.Close(KosmosGTinyCases.Tensor(id, "images_fp16"), batch, atol: 0, what: $"{id}.images_fp16");
    }

    [Fact]
    public void Resize_ShorterSideToSize_LongerTruncated()
    {
        var p = new ClipImagePreprocessor(224);
        var tall = p.Resize(new RgbImage(300, 1000, new byte[300 * 1000 * 3]));
        Assert.Equal((224, 746), (tall.Width, tall.Height));          // int(224*1000/300) = int(746.67)
        var exact = new RgbImage(224, 500, new byte[224 * 500 * 3]);
        Assert.Same(exact, p.Resize(exact));                          // shorter side already 224: unchanged
    }

    [Fact]
    public void CenterCrop_OffsetsRoundHalfToEven()
    {
        // 37 -> 28: (37-28)/2 = 4.5 -> 4 ; 39 -> 28: 5.5 -> 6.
        var p = new ClipImagePreprocessor(28);
        Assert.Equal(4, FirstColumn(p.CenterCrop(ColumnIndexImage(37, 28))));
        Assert.Equal(6, FirstColumn(p.CenterCrop(ColumnIndexImage(39, 28))));

        static RgbImage ColumnIndexImage(int w, int h) =>
            new(w, h, Enumerable.Range(0, w * h).SelectMany(i => Enumerable.Repeat((byte)(i % w), 3)).ToArray());
        static int FirstColumn(RgbImage img) => img.Pixels[0];
    }

    static Tensor Hwc(RgbImage image) => tensor(image.Pixels, [image.Height, image.Width, 3]);
}
