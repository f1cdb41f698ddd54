using KosmosG.Imaging;
using static TorchSharp.torch;

namespace KosmosG.Tests.Imaging;

public class ImageTensorsTests
{
    /// <summary>The e2e case's decoded images [2,3,64,64] in [0,1] against its PNGs (uint8 = round(image*255)): exact.</summary>
    [Fact]
    public void ToRgbImages_E2eImage_MatchesReferencePngs()
    {
        var images = ImageTensors.ToRgbImages(KosmosGTinyCases.Tensor("e2e", "image"));
        Assert.Equal(2, images.Length);
        var decoder = new ImageDecoder();
        for (var i = 0; i < images.Length; i++)
            Assert.Equal(decoder.Decode(ImagingTestData.TinyImage($"e2e_image_{i}.png")).Pixels, images[i].Pixels);
    }

    [Fact]
    public void ToRgbImages_RoundsHalfToEvenInFloat32AndClips()
    {
        // k/255 * 255 is exactly k in float32 for these k (checked with numpy float32): .5 cases round to even.
        float[] values = [0.5f / 255, 1.5f / 255, 2.5f / 255, 254.5f / 255, -0.2f, 1.3f];
        var image = ImageTensors.ToRgbImages(tensor(values).reshape(1, 3, 1, 2)).Single();
        // [1,3,1,2] -> HWC: pixel 0 = (v0, v2, v4), pixel 1 = (v1, v3, v5)
        Assert.Equal([0, 2, 0, 2, 254, 255], image.Pixels);
    }

    [Fact]
    public void ToTensor_ThenToRgbImages_RoundTripsEveryLevel()
    {
        var pixels = Enumerable.Range(0, 256 * 3).Select(i => (byte)(i / 3)).ToArray();
        var image = new RgbImage(256, 1, pixels);
        using var t = ImageTensors.ToTensor(image);
        Assert.Equal(new long[] { 3, 1, 256 }, t.shape);
        Assert.Equal(pixels, ImageTensors.ToRgbImages(t.unsqueeze(0)).Single().Pixels);
    }

    [Fact]
    public void ToRgbImages_WrongShape_Throws() =>
        Assert.Throws<ArgumentException>(() => ImageTensors.ToRgbImages(zeros(3, 8, 8)));
}
