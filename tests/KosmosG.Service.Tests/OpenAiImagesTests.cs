using System.Text;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>POST /v1/images/generations with the body the OpenAI SDKs send.</summary>
public sealed class OpenAiImagesTests : IAsyncLifetime
{
    readonly ServiceFactory _factory = new();
    HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await _factory.ReadyClientAsync();

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task An_openai_sdk_request_gets_an_openai_response()
    {
        // what openai-python's client.images.generate(...) posts, including fields we ignore
        var response = await _client.PostAsync("/v1/images/generations", Body("""
            {"prompt": "a watercolor fox", "model": "dall-e-3", "n": 2, "size": "64x72", "quality": "standard",
             "response_format": "b64_json", "style": "vivid", "user": "user-1234"}
            """));

        Assert.Equal(200, (int)response.StatusCode);
        var body = await response.JsonAsync();
        Assert.InRange((long)body["created"]!, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var data = body["data"]!.AsArray();
        Assert.Equal(2, data.Count);
        var seed = (long)data[0]!["seed"]!;
        Pngs.AssertImage(Convert.FromBase64String((string)data[0]!["b64_json"]!), 64, 72, seed);
        Assert.Null(data[0]!["url"]);
    }

    [Fact]
    public async Task Extensions_and_url_format_work()
    {
        var png = TestPng.Solid(8, 8, 1, 1, 1);
        var response = await _client.PostAsync("/v1/images/generations", Body($$"""
            {"prompt": "<i> as a statue", "images": ["{{Call.DataUrl(png)}}"], "steps": 2, "guidance_scale": 3,
             "seed": 9, "negative_prompt": "blur", "response_format": "url"}
            """));

        Assert.Equal(200, (int)response.StatusCode);
        var item = (await response.JsonAsync())["data"]![0]!;
        Assert.Equal(9, (long)item["seed"]!);
        var url = new Uri((string)item["url"]!);
        var image = await _client.GetAsync(url.PathAndQuery);
        Pngs.AssertImage(await image.Content.ReadAsByteArrayAsync(), 64, 64, 9);
    }
}
