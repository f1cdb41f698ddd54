using System.Net;
using System.Net.Http.Headers;
using KosmosG.Conversion;
using KosmosG.Imaging;
using KosmosG.ToyWorld;
using KosmosG.Pipelines;
using KosmosG.Service.Tests.Support;
using KosmosG.Testing;
using static TorchSharp.torch;

namespace KosmosG.Service.Tests;

/// <summary>The service on the real pipelines: the tiny SD baseline folder and the converted tiny KOSMOS-G checkpoint.</summary>
public sealed class RealModelTests : IDisposable
{
    readonly string _kosmosFolder = Path.Combine(Path.GetTempPath(), "kosmosg-service-" + Guid.NewGuid().ToString("N"));

    static ServiceFactory Serve(string modelPath) => new(f =>
    {
        f.UseTestGenerator = false;
        f["Model:Path"] = modelPath;
        f["Limits:MaxImagePixels"] = "1000000";
    });

    string ConvertTinyKosmosG()
    {
        KosmosGConverter.Convert(new ConvertOptions(
            Path.Combine(Fixtures.KosmosGTiny, "checkpoint.pt"), Path.Combine(Fixtures.KosmosGTiny, "config.json"),
            Path.Combine(Fixtures.KosmosGTiny, "sentencepiece.bpe.model"), Path.Combine(Fixtures.KosmosGTiny, "dict.txt"),
            Fixtures.Sd15TinyPipeline, _kosmosFolder, ScalarType.Float32));
        return _kosmosFolder;
    }

    [Fact]
    public async Task Sd_baseline_folder_serves_text_prompts_and_refuses_image_prompts()
    {
        await using var factory = Serve(Fixtures.Sd15TinyPipeline);
        var client = await factory.ReadyClientAsync();

        var models = await (await client.GetAsync("/v1/models")).JsonAsync();
        Assert.Contains("stable-diffusion", models.ToJsonString());

        var response = await client.SendAsync(Call.Generation(new { prompt = "a red cube", steps = 2, seed = 3, width = 64, height = 64 }, "image/png"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var png = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("3", PngFiles.Text(png)["seed"]);
        Assert.Equal(new long[] { 3, 64, 64 }, PngFiles.Pixels(png).shape);

        var refused = await client.SendAsync(Call.Generation(new { prompt = "<i> on a beach", steps = 2 }));
        await refused.AssertProblemAsync(400, field: "prompt");
    }

    [Fact]
    public async Task Kosmos_g_folder_serves_interleaved_prompts_exactly_as_the_pipeline_generates_them()
    {
        var folder = ConvertTinyKosmosG();
        var images = new[] { "img_a.png", "img_b.png" }.Select(f => File.ReadAllBytes(Path.Combine(Fixtures.KosmosGTiny, "images", f))).ToArray();
        var fields = new (string, string)[]
        {
            ("prompt", "<i> in the style of <i>"), ("negative_prompt", "blurry, low quality"), ("steps", "3"),
            ("guidance_scale", "6"), ("seed", "11"), ("n", "2"), ("width", "64"), ("height", "64"),
        };

        byte[][] served;
        await using (var factory = Serve(folder))
        {
            var client = await factory.ReadyClientAsync();
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generations")
            {
                Content = Call.Form(fields, images.Select(b => (b, "image/png")).ToArray()),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.JsonAsync();
            served = body["images"]!.AsArray().Select(i => Convert.FromBase64String(i!["png_base64"]!.GetValue<string>())).ToArray();
        }

        using var pipeline = KosmosGPipeline.Load(folder, ComputeOptions.Cpu);
        var decoder = new KosmosG.Imaging.ImageDecoder();
        var direct = pipeline.Generate(new GenerationRequest
        {
            Prompt = "<i> in the style of <i>", NegativePrompt = "blurry, low quality", Images = images.Select(decoder.Decode).ToList(),
            Steps = 3, GuidanceScale = 6, Seed = 11, Count = 2, Width = 64, Height = 64, Scheduler = "dpms",
        }, new GenerationCallbacks(), CancellationToken.None);

        Assert.Equal(2, served.Length);
        for (var i = 0; i < 2; i++) Assert.Equal(direct.Images[i].Png, served[i]);
    }

    [Fact]
    public async Task Without_a_configured_model_the_built_in_demo_model_serves_interleaved_prompts()
    {
        await using var factory = Serve("");
        var client = await factory.ReadyClientAsync();
        var models = await (await client.GetAsync("/v1/models")).JsonAsync();
        Assert.Contains("kosmos-g", models.ToJsonString());
        Assert.Contains(BuiltInModel.RelativePath, models.ToJsonString());

        var subject = PngEncoder.Encode(ToyRenderer.RenderSubject(ToyColor.Red, ToyShape.Circle));
        var response = await client.SendAsync(Call.Generation(new
        {
            prompt = "<i> on the left on a black background", images = new[] { Call.DataUrl(subject) }, seed = 1,
        }, "image/png"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var png = await response.Content.ReadAsByteArrayAsync();
        var image = new ImageDecoder().Decode(png);
        Assert.Equal((64, 64), (image.Width, image.Height)); // the size the demo U-Net was trained at
        Assert.Equal("1", PngFiles.Text(png)["seed"]);
        Assert.Equal("2", PngFiles.Text(png)["guidance_scale"]); // the demo model's generation_config.json
        // What the demo is for: the subject image's colour and shape, at the place and on the background the text asks.
        var expected = new ToyComposition(new ToyScene(ToyBackground.Black, new ToyObject(ToyColor.Red, ToyShape.Circle, ToyPosition.Left)), firstIsImage: true);
        var judged = ToyJudge.Judge(image, expected);
        Assert.Equal((1.0, 1.0), (judged.SubjectFidelity, judged.TextFidelity));
    }

    public void Dispose()
    {
        if (Directory.Exists(_kosmosFolder)) Directory.Delete(_kosmosFolder, recursive: true);
    }
}
