using KosmosG.Pipelines;

namespace KosmosG.Tests.Pipelines;

/// <summary>Reported seeds stay within 0..2^63-1, so each is an input that remakes its image.</summary>
public class SeedWrapTests(Sd15TinyPipeline fixture) : IClassFixture<Sd15TinyPipeline>
{
    [Theory]
    [InlineData(0L, 3, 3L)]
    [InlineData(long.MaxValue, 0, long.MaxValue)]
    [InlineData(long.MaxValue, 1, 0L)]
    [InlineData(long.MaxValue - 1, 3, 1L)]
    public void SeedOf_WrapsModulo2To63(long seed, int index, long expected) => Assert.Equal(expected, SeededGenerators.SeedOf(seed, index));

    [Fact]
    public void LastSeedThenZero_TheWrappedImageIsSeedZerosImage()
    {
        var request = StableDiffusionPipelineTests.RequestFor("e2e_pndm", "pndm") with { Steps = 2, Count = 2, Seed = long.MaxValue };
        var pair = fixture.Pipeline.Generate(request, new GenerationCallbacks(), CancellationToken.None);
        Assert.Equal([long.MaxValue, 0L], pair.Images.Select(i => i.Seed));
        var zero = fixture.Pipeline.Generate(request with { Count = 1, Seed = 0 }, new GenerationCallbacks(), CancellationToken.None);
        TensorAssert.Close(PngFiles.Pixels(zero.Images[0].Png), PngFiles.Pixels(pair.Images[1].Png), atol: 1, what: "image of seed 0");
        Assert.Equal("0", PngFiles.Text(pair.Images[1].Png)["seed"]);
    }
}
