using System.Text;
using System.Text.Json.Nodes;
using KosmosG.Service.Tests.Support;
using KosmosG.Testing;

namespace KosmosG.Service.Tests;

/// <summary>The request fields come from one record: every endpoint and the OpenAPI document list the same ones.</summary>
public sealed class RequestRecordTests : IAsyncLifetime
{
    static readonly string[] NativeFields =
        ["prompt", "negative_prompt", "steps", "guidance_scale", "scheduler", "width", "height", "seed", "n", "preview_every", "deadline_seconds", "webhook_url", "images",
         "loras", "controlnets", "guess_mode"];

    readonly ServiceFactory _factory = new();
    HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await _factory.ReadyClientAsync();

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_openapi_request_schemas_list_the_record_fields()
    {
        var doc = JsonNode.Parse(await _client.GetStringAsync("/openapi/v1.json"))!;
        JsonObject Schema(string path, string type) =>
            doc["paths"]![path]!["post"]!["requestBody"]!["content"]![type]!["schema"]!["properties"]!.AsObject();

        Assert.Equal(NativeFields.Order(), Schema("/v1/generations", "application/json").Select(p => p.Key).Order());
        Assert.Equal(NativeFields.Order(), Schema("/v1/generations", "multipart/form-data").Select(p => p.Key).Order());
        Assert.Equal(NativeFields.Concat(["size", "response_format", "model"]).Order(),
            Schema("/v1/images/generations", "application/json").Select(p => p.Key).Order());
        // Edits: OpenAI's image files (and the mask it refuses) in place of our images, which it does not read.
        Assert.Equal(NativeFields.Except(["images"]).Concat(["size", "response_format", "model", "image", "image[]", "mask"]).Order(),
            Schema("/v1/images/edits", "multipart/form-data").Select(p => p.Key).Order());
        var example = doc["paths"]!["/v1/generations"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]!.AsObject();
        Assert.Equal(NativeFields.Order(), example.Select(p => p.Key).Order());
    }

    [Fact]
    public async Task The_openai_endpoint_takes_the_native_fields_as_extensions()
    {
        var response = await _client.PostAsync("/v1/images/generations",
            Json("""{"prompt": "a cat", "width": 72, "height": 64, "seed": 9, "negative_prompt": "dull", "deadline_seconds": 60}"""));
        Assert.Equal(200, (int)response.StatusCode);
        var image = (await response.JsonAsync())["data"]![0]!;
        Pngs.AssertImage(Convert.FromBase64String((string)image["b64_json"]!), 72, 64, 9);

        var sized = await _client.PostAsync("/v1/images/generations", Json("""{"prompt": "a cat", "width": 72, "size": "64x80", "seed": 2}"""));
        Pngs.AssertImage(Convert.FromBase64String((string)(await sized.JsonAsync())["data"]![0]!["b64_json"]!), 64, 80, 2);

        var wrongType = await _client.PostAsync("/v1/images/generations", Json("""{"prompt": "a cat", "steps": "many"}"""));
        await wrongType.AssertProblemAsync(400, "steps", "invalid_json");
    }

    [Fact]
    public async Task A_field_named_twice_counts_once_with_its_last_value_and_a_body_that_is_no_object_is_400()
    {
        var twice = new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = Json("""{"prompt": "a", "prompt": "b"}""") };
        twice.Headers.Accept.ParseAdd("image/png");
        var response = await _client.SendAsync(twice);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("b", PngFiles.Text(await response.Content.ReadAsByteArrayAsync())["prompt"]);

        await (await _client.PostAsync("/v1/generations", Json("""["prompt"]"""))).AssertProblemAsync(400, code: "invalid_json");
        await (await _client.PostAsync("/v1/generations", Json("null"))).AssertProblemAsync(400, "body");
    }

    [Fact]
    public async Task Json_null_leaves_a_field_at_its_default_and_form_values_parse_as_in_json()
    {
        var nulls = await _client.SendAsync(Call.Generation(new { prompt = "a cat", steps = (int?)null, seed = 4 }, "image/png"));
        Assert.Equal(200, (int)nulls.StatusCode);
        Assert.Equal("4", PngFiles.Text(await nulls.Content.ReadAsByteArrayAsync())["steps"]); // the test model's default

        var form = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "a cat"), ("guidance_scale", "7.5"), ("n", "2"), ("seed", "5")]));
        Assert.Equal(200, (int)form.StatusCode);
        Assert.Equal(2, (await form.JsonAsync())["images"]!.AsArray().Count);
    }
}
