using KosmosG.Imaging;

namespace KosmosG.Tests.Imaging;

/// <summary>
/// Pillow 9.4.0 <c>Image.resize(size, BICUBIC)</c> and <c>(size, LANCZOS)</c> outputs (make_imaging_reference.py): noise
/// images (where approximations are tens of levels off), up- and down-scaling, one axis only, a smooth image.
/// Exact (0 levels).
/// </summary>
public class PilResizeTests
{
    public static TheoryData<string> Cases =>
        [.. Directory.GetFiles(ImagingTestData.Dir, "*_out_*.png").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPillowExactly(string outputFile)
    {
        var parts = Path.GetFileNameWithoutExtension(outputFile).Split('_');   // <filter>_<i>_out_<w>x<h>
        var size = parts[3].Split('x').Select(int.Parse).ToArray();
        var decoder = new ImageDecoder();
        var input = decoder.Decode(ImagingTestData.Bytes($"resize_{parts[1]}_in.png"));
        var expected = decoder.Decode(ImagingTestData.Bytes(outputFile));
        var actual = parts[0] switch
        {
            "resize" => PilResize.Bicubic(input, size[0], size[1]),
            "lanczos" => PilResize.Lanczos(input, size[0], size[1]),
            _ => throw new InvalidDataException(outputFile),
        };
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        var maxDiff = expected.Pixels.Zip(actual.Pixels, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(maxDiff == 0, $"{outputFile}: max difference {maxDiff} levels");
    }

    [Fact]
    public void Bicubic_SameSize_ReturnsCopy()
    {
        var image = new RgbImage(2, 1, [1, 2, 3, 4, 5, 6]);
        var same = PilResize.Bicubic(image, 2, 1);
        Assert.Equal(image.Pixels, same.Pixels);
        Assert.NotSame(image.Pixels, same.Pixels);
    }
}
