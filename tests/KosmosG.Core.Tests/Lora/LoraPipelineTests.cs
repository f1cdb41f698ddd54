using KosmosG.Pipelines;
using KosmosG.Tests.ControlNet;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Lora;

/// <summary>e2e_lora_kohya through the pipeline, by file name, for the kohya file and its PEFT copy; LoRAs leave no trace.</summary>
public class LoraPipelineTests(Sd15ExtrasPipeline fixture, ITestOutputHelper output) : IClassFixture<Sd15ExtrasPipeline>
{
    static GenerationRequest Request(string lora)
    {
        var info = Fixtures.Sd15ExtrasCaseInfo("e2e_lora_kohya");
        return new GenerationRequest
        {
            Prompt = info.GetProperty("prompt").GetString()!,
            NegativePrompt = info.GetProperty("negative_prompt").GetString()!,
            GuidanceScale = info.GetProperty("guidance_scale").GetDouble(),
            Steps = info.GetProperty("num_inference_steps").GetInt32(),
            Width = 64,
            Height = 64,
            Scheduler = "dpms",
            Loras = [new LoraRequest(lora, info.GetProperty("lora_scale").GetDouble())],
        };
    }

    [Theory]
    [InlineData("kohya_locon_fp16")]
    [InlineData("peft_format_kohya_locon_fp16")]
    public void EndToEndMatchesDiffusers(string lora)
    {
        var expected = Fixtures.Sd15ExtrasCase("e2e_lora_kohya");
        Tensor? final = null;
        var result = fixture.Pipeline.Generate(Request(lora), expected["latents"], new GenerationCallbacks(), CancellationToken.None,
            latents => final = latents.clone().DetachFromDisposeScope());
        var latents = TensorAssert.Close(expected["final_latents"], final!, atol: 1e-3, what: "final latents");
        var pixels = TensorAssert.Close(expected["image_uint8"], PngFiles.Pixels(result.Images[0].Png).unsqueeze(0), atol: 1, what: "PNG pixels");
        output.WriteLine($"e2e_lora_kohya with {lora}: final latents max |diff| {latents:G3}, PNG pixels max |diff| {pixels}");
    }

    [Fact]
    public void ARequestAfterOneWithLoraAndControlNetIsBitIdentical()
    {
        var plain = Request("kohya_locon_fp16") with { Loras = [], Steps = 2, Seed = 7 };
        var before = fixture.Pipeline.Generate(plain, new GenerationCallbacks(), CancellationToken.None).Images[0].Png;
        var adapted = ControlNetPipelineTests.RequestFor("e2e_multicontrolnet") with { Loras = Request("kohya_locon_fp16").Loras, Steps = 2, Seed = 7 };
        var with = fixture.Pipeline.Generate(adapted, new GenerationCallbacks(), CancellationToken.None).Images[0].Png;
        var after = fixture.Pipeline.Generate(plain, new GenerationCallbacks(), CancellationToken.None).Images[0].Png;
        Assert.Equal(before, after);
        Assert.NotEqual(before, with);
    }
}
