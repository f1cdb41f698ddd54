using KosmosG.Imaging;

namespace KosmosG.Tests.Imaging;

/// <summary>The decode deadline: the native decoders get no more input once it has passed.</summary>
public class ImageDecoderBudgetTests
{
    /// <summary>A clock that moves one second forward every time it is read.</summary>
    sealed class SteppingClock : TimeProvider
    {
        long _ticks;
        public int Reads;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp()
        {
            Reads++;
            return Interlocked.Add(ref _ticks, TimeSpan.TicksPerSecond);
        }
    }

    /// <summary>A clock that never moves.</summary>
    sealed class StoppedClock : TimeProvider
    {
        public override long GetTimestamp() => 0;
    }

    // Random pixels compress badly, so libpng needs many reads to get through the IDAT data.
    static readonly byte[] NoisePng = PngEncoder.Encode(new RgbImage(256, 256, InterlacedPng.Pixels(256, 256)));

    [Fact]
    public void Decode_StopsReadingOnceTheDeadlinePasses()
    {
        var clock = new SteppingClock();
        var decoder = new ImageDecoder(new ImageLimits(MaxDecodeSeconds: 2.5), clock);
        var error = Assert.Throws<ImageDecodeException>(() => decoder.Decode(NoisePng));
        Assert.Equal(ImageDecodeErrorKind.TooLarge, error.Kind);
        Assert.Contains("took longer than 2.5 s", error.Message);
        Assert.InRange(clock.Reads, 3, 5); // the start, two reads within the budget, the refused one
    }

    /// <summary>Wherever the deadline cuts the input (the header, or the pixel data the decoder then reports as
    /// incomplete), the answer is "took too long", never "corrupt".</summary>
    [Fact]
    public void Decode_CutAtAnyRead_IsReportedAsTooSlow()
    {
        var cut = 0;
        for (var budget = 1.5; budget < 200; budget++)
        {
            var clock = new SteppingClock();
            try
            {
                new ImageDecoder(new ImageLimits(MaxDecodeSeconds: budget), clock).Decode(NoisePng);
                break; // every read fit: so would they with a larger budget
            }
            catch (ImageDecodeException error)
            {
                Assert.True(error.Kind == ImageDecodeErrorKind.TooLarge, $"budget {budget} s ({clock.Reads} clock reads): {error.Message}");
                cut++;
            }
        }
        Assert.InRange(cut, 3, 198);
    }

    [Fact]
    public void Decode_WithinTheDeadline_GivesThePixels()
    {
        var decoder = new ImageDecoder(new ImageLimits(MaxDecodeSeconds: 2.5), new StoppedClock());
        Assert.Equal(InterlacedPng.Pixels(256, 256), decoder.Decode(NoisePng).Pixels);
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(3, 3)]
    public void Interlaced_WithTheDeadline_Decodes(int width, int height)
    {
        // The system clock and the default budget: tiny interlaced files must never come near it.
        var pixels = InterlacedPng.Pixels(width, height, seed: 1);
        Assert.Equal(pixels, new ImageDecoder().Decode(InterlacedPng.Encode(width, height, pixels)).Pixels);
    }
}
