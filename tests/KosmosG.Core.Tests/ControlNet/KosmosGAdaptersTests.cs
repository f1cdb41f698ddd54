using KosmosG.Conversion;
using KosmosG.Pipelines;
using KosmosG.Tests.Pipelines;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.ControlNet;

/// <summary>The tiny KOSMOS-G model (its sd/ is the sd15-tiny pipeline) with the sd15-extras-tiny ControlNets and LoRAs.</summary>
public sealed class KosmosGWithAdapters : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "kosmosg-tiny-adapters-" + Guid.NewGuid().ToString("N"));
    readonly Lazy<KosmosGPipeline> _pipeline;

    public KosmosGWithAdapters()
    {
        KosmosGConverter.Convert(ConvertedTinyKosmosG.Options(Path.Combine(Fixtures.KosmosGTiny, "checkpoint.pt"), Folder));
        _pipeline = new(() => KosmosGPipeline.Load(Folder, ComputeOptions.Cpu, adapters: Sd15ExtrasPipeline.Adapters));
    }

    public KosmosGPipeline Pipeline => _pipeline.Value;

    public void Dispose()
    {
        if (_pipeline.IsValueCreated) _pipeline.Value.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

public class KosmosGAdaptersTests(KosmosGWithAdapters fixture, ITestOutputHelper output) : IClassFixture<KosmosGWithAdapters>
{
    static GenerationRequest Request() => ControlNetPipelineTests.RequestFor("e2e_multicontrolnet") with
    {
        Prompt = "a red house", NegativePrompt = "", Steps = 3, Count = 2, Seed = 5,
    };

    [Fact]
    public void ControlNetsGetTheAlignerConditionLikeTheUNet()
    {
        // KOSMOS-G feeds its [uncond x n; cond x n] condition to the ControlNets and the U-Net: the same run as one given
        // that condition as prompt_embeds (the path that matches diffusers' StableDiffusionControlNetPipeline in
        // ControlNetPipelineTests), and the ControlNets change the result.
        var request = Request();
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var cond = fixture.Pipeline.EncodePrompt(request.Prompt, []);
        var uncond = fixture.Pipeline.EncodeUnconditional("");
        Tensor? kosmos = null, given = null, plain = null;
        fixture.Pipeline.Generate(request, null, new GenerationCallbacks(), CancellationToken.None, l => kosmos = l.clone().DetachFromDisposeScope());
        fixture.Pipeline.Generate(request, null, new GenerationCallbacks(), CancellationToken.None, l => given = l.clone().DetachFromDisposeScope(),
            new PromptEmbeddings(cond, uncond));
        fixture.Pipeline.Generate(request with { ControlNets = [] }, null, new GenerationCallbacks(), CancellationToken.None,
            l => plain = l.clone().DetachFromDisposeScope());
        var diff = TensorAssert.Close(given!, kosmos!, 0, what: "KOSMOS-G latents with two ControlNets");
        var effect = (kosmos! - plain!).abs().max().item<float>();
        Assert.True(effect > 1e-3, $"the ControlNets changed the latents by only {effect}");
        output.WriteLine($"KOSMOS-G + 2 ControlNets, n=2: max |diff| to the run given the same condition {diff:G3}; ControlNet effect {effect:G3}");
    }

    [Fact]
    public void LoraTextEncoderPartsAreAWarningNotAFailure()
    {
        var plain = Request() with { ControlNets = [], Count = 1 };
        var result = fixture.Pipeline.Generate(plain with { Loras = [new LoraRequest("kohya_locon_fp16", 0.8)] }, new GenerationCallbacks(), CancellationToken.None);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("text-encoder layer(s) not applied", warning);
        var without = fixture.Pipeline.Generate(plain, new GenerationCallbacks(), CancellationToken.None);
        Assert.Empty(without.Warnings);
        Assert.NotEqual(without.Images[0].Png, result.Images[0].Png);
    }

    [Fact]
    public void ASingleFileDecoderDrawsLikeTheFolderItWasMadeFrom()
    {
        var request = Request() with { ControlNets = [], Count = 1, Steps = 2 };
        using var single = KosmosGPipeline.Load(fixture.Folder, ComputeOptions.Cpu, decoder: Path.Combine(Fixtures.Sd15Extras, "single_file", "sd15_tiny.safetensors"));
        var expected = fixture.Pipeline.Generate(request, new GenerationCallbacks(), CancellationToken.None).Images[0].Png;
        var actual = single.Generate(request, new GenerationCallbacks(), CancellationToken.None).Images[0].Png;
        TensorAssert.Equal(PngFiles.Pixels(expected), PngFiles.Pixels(actual), "image from the single-file decoder");
    }
}
