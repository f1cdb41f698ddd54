using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>A diffusers SD folder serves text-only prompts: images and &lt;i&gt; markers are clear 400s.</summary>
public sealed class TextOnlyModelTests
{
    [Fact]
    public async Task Images_and_markers_are_refused_by_a_text_only_model()
    {
        await using var factory = new ServiceFactory(f =>
        {
            f.Generator.Kind = "stable-diffusion";
            f.Generator.AcceptsImages = false;
            f.Generator.MaxImages = 0;
        });
        var client = await factory.ReadyClientAsync();

        var withImage = await client.SendAsync(Call.Generation(new { prompt = "<i>", images = new[] { Call.DataUrl(TestPng.Solid(8, 8, 0, 0, 0)) } }));
        await withImage.AssertProblemAsync(400, "images");
        var withMarker = await client.SendAsync(Call.Generation(new { prompt = "a <i> cat" }));
        await withMarker.AssertProblemAsync(400, "prompt");
        Assert.Equal(200, (int)(await client.SendAsync(Call.Generation(new { prompt = "a cat" }))).StatusCode);
        var edit = new MultipartFormDataContent { { new StringContent("make it blue"), "prompt" }, { new ByteArrayContent(TestPng.Solid(8, 8, 0, 0, 0)), "image", "a.png" } };
        await (await client.PostAsync("/v1/images/edits", edit)).AssertProblemAsync(400, "image");

        var models = await (await client.GetAsync("/v1/models")).JsonAsync();
        Assert.Equal(0, (int)models["data"]![0]!["max_images"]!);
    }
}
