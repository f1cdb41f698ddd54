using KosmosG.Imaging;
using KosmosG.Pipelines;
using static TorchSharp.torch;

namespace KosmosG.Tests.Pipelines;

public class StableDiffusionPipelineTests(Sd15TinyPipeline fixture) : IClassFixture<Sd15TinyPipeline>
{
    StableDiffusionPipeline Pipeline => fixture.Pipeline;

    internal static GenerationRequest RequestFor(string caseName, string scheduler)
    {
        var info = Fixtures.Sd15CaseInfo(caseName);
        return new GenerationRequest
        {
            Prompt = info.GetProperty("prompt").GetString()!,
            NegativePrompt = info.GetProperty("negative_prompt").GetString() ?? "",
            GuidanceScale = info.GetProperty("guidance_scale").GetDouble(),
            Steps = info.GetProperty("num_inference_steps").GetInt32(),
            Width = info.GetProperty("width").GetInt32(),
            Height = info.GetProperty("height").GetInt32(),
            Scheduler = scheduler,
        };
    }

    [Theory]
    [InlineData("e2e_pndm", "pndm")]
    [InlineData("e2e_dpmpp_2m", "dpms")]
    [InlineData("e2e_euler_nocfg", "euler")]
    public void EndToEndMatchesDiffusers(string caseName, string scheduler)
    {
        var expected = Fixtures.Sd15Case(caseName);
        Tensor? final = null;
        var result = Pipeline.Generate(RequestFor(caseName, scheduler), expected["latents"], new GenerationCallbacks(), CancellationToken.None,
            latents => final = latents.clone().DetachFromDisposeScope());

        // cases.json: final_latents_atol 1e-3, image_uint8_max_diff 1 (PNG pixels).
        TensorAssert.Close(expected["final_latents"], final!, atol: 1e-3, what: $"{caseName} final latents");
        TensorAssert.Close(expected["image_uint8"], PngFiles.Pixels(result.Images[0].Png).unsqueeze(0), atol: 1, what: $"{caseName} PNG pixels");
    }

    [Fact]
    public void EachImageHasItsOwnSeed()
    {
        var request = RequestFor("e2e_pndm", "pndm") with { Count = 2, Seed = 41, Steps = 2 };
        var pair = Pipeline.Generate(request, new GenerationCallbacks(), CancellationToken.None);
        var second = Pipeline.Generate(request with { Count = 1, Seed = 42 }, new GenerationCallbacks(), CancellationToken.None);

        Assert.Equal([41L, 42L], pair.Images.Select(i => i.Seed));
        // Same noise, same image; batch-size-dependent kernels may only move the last bit of a pixel.
        TensorAssert.Close(PngFiles.Pixels(second.Images[0].Png), PngFiles.Pixels(pair.Images[1].Png), atol: 1, what: "image of seed 42");
        Assert.True(PngFiles.Pixels(pair.Images[0].Png).sub(PngFiles.Pixels(pair.Images[1].Png)).abs().max().item<float>() > 10, "seeds 41 and 42 gave the same image");
    }

    [Fact]
    public void CancellationStopsWithinAStepAndSkipsDecoding()
    {
        using var cancel = new CancellationTokenSource();
        var steps = 0;
        var images = 0;
        var callbacks = new GenerationCallbacks
        {
            Step = (done, _) => { steps = done; if (done == 2) cancel.Cancel(); },
            Image = _ => images++,
        };
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Pipeline.Generate(RequestFor("e2e_pndm", "pndm") with { Steps = 10 }, callbacks, cancel.Token));
        Assert.Equal(2, steps);
        Assert.Equal(0, images);
    }

    [Fact]
    public void TextOnlyBaselineRejectsImagePrompts()
    {
        var error = Assert.Throws<GenerationRequestException>(() => Pipeline.Validate(RequestFor("e2e_pndm", "pndm") with { Prompt = "<i> on a beach" }));
        Assert.Equal("prompt", error.Field);
    }

    [Theory]
    [InlineData("steps", 0, 64)]
    [InlineData("width", 1, 60)]
    public void InvalidKnobsNameTheirField(string field, int steps, int width)
    {
        var error = Assert.Throws<GenerationRequestException>(() => Pipeline.Validate(RequestFor("e2e_pndm", "pndm") with { Steps = steps, Width = width }));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void PngCarriesTheGenerationParameters()
    {
        var request = RequestFor("e2e_pndm", "pndm") with { Steps = 1, Seed = 7 };
        var png = Pipeline.Generate(request, new GenerationCallbacks(), CancellationToken.None).Images[0].Png;
        var text = PngFiles.Text(png);
        Assert.Equal("7", text["seed"]);
        Assert.Equal(request.Prompt, text["prompt"]);
        Assert.Contains("Steps: 1, Sampler: pndm", text["parameters"]);
    }
}
