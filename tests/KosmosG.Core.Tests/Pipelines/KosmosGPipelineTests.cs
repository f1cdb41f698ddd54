using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Models.Kosmos;
using static TorchSharp.torch;

namespace KosmosG.Tests.Pipelines;

/// <summary>The whole KOSMOS-G path from a converted official checkpoint, against the official sample() outputs.</summary>
public class KosmosGPipelineTests(ConvertedTinyKosmosG tiny) : IClassFixture<ConvertedTinyKosmosG>
{
    const string Case = "e2e";

    static IReadOnlyList<RgbImage> CaseImages() =>
        new[] { "img_a.png", "img_b.png" }.Select(f => new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(Fixtures.KosmosGTiny, "images", f)))).ToList();

    static GenerationRequest E2eRequest() => new()
    {
        Prompt = "<i> in the style of <i>",
        Images = CaseImages(),
        NegativePrompt = "blurry, low quality",
        Steps = 4,
        GuidanceScale = 6,
        Scheduler = "dpms",
        Count = 2,
        Width = 64,
        Height = 64,
    };

    [Fact]
    public void ConditionMatchesTheOfficialEncodeCondition()
    {
        using var mode = inference_mode();
        var request = E2eRequest();
        var cond = tiny.Pipeline.EncodePrompt(request.Prompt, request.Images);
        var uncond = tiny.Pipeline.EncodeUnconditional(request.NegativePrompt);
        // Fixture README: aligner_out / encode_condition within 2e-5.
        TensorAssert.Close(KosmosGTinyCases.Tensor(Case, "condition"), CfgBatch.Build(uncond, cond, request.Count), atol: 2e-5, what: "CFG condition");
    }

    [Fact]
    public void EndToEndMatchesTheOfficialSampler()
    {
        Tensor? final = null;
        var result = tiny.Pipeline.Generate(E2eRequest(), KosmosGTinyCases.Tensor(Case, "init_latents"), new GenerationCallbacks(),
            CancellationToken.None, latents => final = latents.clone().DetachFromDisposeScope());

        // Fixture README: final latents within 1e-3 relative to their std; image within 1e-3 (PNG: +-1 level).
        var expected = KosmosGTinyCases.Tensor(Case, "final_latents");
        TensorAssert.Close(expected, final!, atol: 1e-3 * expected.std().item<float>(), what: "final latents");
        var image = KosmosGTinyCases.Tensor(Case, "image"); // shared by the tests: never disposed here
        using var expectedPixels = (image * 255).round();
        for (var i = 0; i < 2; i++)
        {
            TensorAssert.Close(expectedPixels[i], PngFiles.Pixels(result.Images[i].Png), atol: 1, what: $"image {i} pixels");
        }
    }

    [Fact]
    public void GuidanceOfOneRunsWithoutTheUnconditionalHalf()
    {
        var request = E2eRequest() with { GuidanceScale = 1, Count = 1, Steps = 2 };
        var result = tiny.Pipeline.Generate(request, new GenerationCallbacks(), CancellationToken.None);
        Assert.Single(result.Images);
    }

    [Theory]
    [InlineData("<i> and <i>", 1, "images")]
    [InlineData("<i>", 2, "images")]
    public void MarkerCountMustMatchTheImages(string prompt, int images, string field)
    {
        var request = E2eRequest() with { Prompt = prompt, Images = CaseImages().Take(images).ToList() };
        var error = Assert.Throws<GenerationRequestException>(() => tiny.Pipeline.Validate(request));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void ConversionKeepsTheInferenceWeightsAndSaysWhatItDropped()
    {
        Assert.Equal(201, tiny.Report.Kept);
        var dropped = tiny.Report.DroppedByReason.SelectMany(kv => kv.Value).ToHashSet();
        Assert.Contains("gpt_model.decoder.output_projection.weight", dropped);
        Assert.Contains("aligner.decoder_query", dropped);
        Assert.Contains(dropped, k => k.StartsWith("aligner.clip_encoder.", StringComparison.Ordinal));
        Assert.Equal(348, tiny.Report.Kept + dropped.Count);
    }

    [Fact]
    public void PtAndSafetensorsSourcesConvertToTheSameWeights()
    {
        var other = Path.Combine(Path.GetTempPath(), "kosmosg-tiny-st-" + Guid.NewGuid().ToString("N"));
        try
        {
            Conversion.KosmosGConverter.Convert(ConvertedTinyKosmosG.Options(Path.Combine(Fixtures.KosmosGTiny, "checkpoint.safetensors"), other));
            var a = KosmosG.Weights.SafeTensorsFile.LoadAll(Path.Combine(tiny.Folder, "model.safetensors"));
            var b = KosmosG.Weights.SafeTensorsFile.LoadAll(Path.Combine(other, "model.safetensors"));
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var key in a.Keys) Assert.True(a[key].Equals(b[key]), key);
        }
        finally { Directory.Delete(other, recursive: true); }
    }

    [Fact]
    public void ConversionReportsShapeMismatchesKeyByKey()
    {
        var config = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json");
        var output = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        File.WriteAllText(config, File.ReadAllText(Path.Combine(Fixtures.KosmosGTiny, "config.json")).Replace("\"latent_query_num\": 4", "\"latent_query_num\": 5").Replace("\"image_token_length\": 4", "\"image_token_length\": 5"));
        try
        {
            var error = Assert.Throws<InvalidDataException>(() =>
                Conversion.KosmosGConverter.Convert(ConvertedTinyKosmosG.Options(Path.Combine(Fixtures.KosmosGTiny, "checkpoint.pt"), output, config)));
            Assert.Contains("img_connector.latent_query", error.Message);
            Assert.False(Directory.Exists(output));
        }
        finally { File.Delete(config); }
    }
}
