using System.Net.Http.Headers;
using System.Text;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>Every refusal of a bad request is problem+json naming the field, with the right status, never 500.</summary>
public sealed class ValidationTests : IClassFixture<ValidationTests.Service>
{
    public sealed class Service : IAsyncLifetime
    {
        public ServiceFactory Factory { get; } = new();
        public HttpClient Client { get; private set; } = null!;
        public async Task InitializeAsync() => Client = await Factory.ReadyClientAsync();
        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    readonly HttpClient _client;

    public ValidationTests(Service service) => _client = service.Client;

    static readonly byte[] Png = TestPng.Solid(16, 16, 9, 9, 9);

    public static TheoryData<string, string, string> BadJsonBodies => new()
    {
        { """{"steps": 3}""", "prompt", "invalid_field" },
        { """{"prompt": "   "}""", "prompt", "invalid_field" },
        { $$"""{"prompt": "{{new string('a', 201)}}"}""", "prompt", "invalid_field" },
        { $$"""{"prompt": "a", "negative_prompt": "{{new string('a', 201)}}"}""", "negative_prompt", "invalid_field" },
        { """{"prompt": "a", "steps": 0}""", "steps", "invalid_field" },
        { """{"prompt": "a", "steps": 101}""", "steps", "invalid_field" },
        { """{"prompt": "a", "guidance_scale": 50}""", "guidance_scale", "invalid_field" },
        { """{"prompt": "a", "n": 0}""", "n", "invalid_field" },
        { """{"prompt": "a", "n": 5}""", "n", "invalid_field" },
        { """{"prompt": "a", "width": 100}""", "width", "invalid_field" },
        { """{"prompt": "a", "height": 2048}""", "height", "invalid_field" },
        { """{"prompt": "a", "height": 56}""", "height", "invalid_field" },
        { """{"prompt": "a", "seed": -1}""", "seed", "invalid_field" },
        { """{"prompt": "a", "preview_every": -2}""", "preview_every", "invalid_field" },
        { """{"prompt": "a", "deadline_seconds": 0}""", "deadline_seconds", "invalid_field" },
        { """{"prompt": "a", "deadline_seconds": 100000}""", "deadline_seconds", "invalid_field" },
        { """{"prompt": "a", "scheduler": "nonsense"}""", "scheduler", "invalid_field" },
        { """{"prompt": "a", "steps": "many"}""", "steps", "invalid_json" },
        { """{"prompt": "a", "guidance": 7}""", "guidance", "invalid_json" },
        { """{"prompt": "<i> and <i>", "images": []}""", "images", "invalid_field" },
        { """{"prompt": "a", "images": ["https://example.com/cat.png"]}""", "images[0]", "invalid_field" },
        { """{"prompt": "<i>", "images": ["%%%not-base64"]}""", "images[0]", "invalid_field" },
        { """{"prompt": "<i>", "images": ["data:image/png,plain"]}""", "images[0]", "invalid_field" },
    };

    [Theory]
    [MemberData(nameof(BadJsonBodies))]
    public async Task Bad_json_fields_are_400_naming_the_field(string json, string field, string code)
    {
        var response = await _client.PostAsync("/v1/generations", new StringContent(json, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(400, field, code);
    }

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var response = await _client.PostAsync("/v1/generations", new StringContent("{\"prompt\": ", Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(400, code: "invalid_json");
    }

    [Fact]
    public async Task Too_many_images_are_refused_before_decoding()
    {
        var images = Enumerable.Repeat(Call.DataUrl(Png), 4).ToArray();
        var response = await _client.SendAsync(Call.Generation(new { prompt = "<i><i><i><i>", images }));
        await response.AssertProblemAsync(400, "images");
    }

    [Fact]
    public async Task An_image_over_the_byte_limit_is_413()
    {
        var big = new byte[70_000];
        Png.CopyTo(big, 0);
        var response = await _client.SendAsync(Call.Generation(new { prompt = "<i>", images = new[] { Convert.ToBase64String(big) } }));
        await response.AssertProblemAsync(413, "images[0]", "image_too_large");
    }

    /// <summary>A multipart image part past the byte cap (plus the part's allowance) stops the form reader: 413, not 400.</summary>
    [Fact]
    public async Task A_multipart_image_part_over_the_byte_limit_is_413()
    {
        var big = new byte[65_536 + 4096];
        Png.CopyTo(big, 0);
        var response = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "<i>")], (big, "image/png")));
        await response.AssertProblemAsync(413, code: "body_too_large");
    }

    [Fact]
    public async Task A_decompression_bomb_header_is_413_without_decoding()
    {
        var bomb = TestPng.HeaderOnly(20_000, 20_000);
        var before = GC.GetTotalAllocatedBytes();
        var response = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "<i>")], (bomb, "image/png")));
        await response.AssertProblemAsync(413, "images[0]", "image_too_large");
        Assert.True(GC.GetTotalAllocatedBytes() - before < 100_000_000, "the pixels were allocated");
    }

    [Fact]
    public async Task A_truncated_png_is_400()
    {
        var png = TestPng.Encode(64, 64, Enumerable.Range(0, 64 * 64 * 3).Select(i => (byte)(i * 7)).ToArray());
        var truncated = png[..(png.Length / 2)];
        var response = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "<i>")], (truncated, "image/png")));
        var problem = await response.AssertProblemAsync(400, "images[0]");
        Assert.Contains((string)problem["code"]!, new[] { "image_truncated", "image_corrupt" });
    }

    [Fact]
    public async Task Bytes_that_are_no_image_are_415()
    {
        var response = await _client.PostAsync("/v1/generations",
            Call.Form([("prompt", "<i>")], (Encoding.UTF8.GetBytes("hello, I am text"), "application/octet-stream")));
        await response.AssertProblemAsync(415, "images[0]", "unsupported_media_type");
    }

    [Fact]
    public async Task A_wrong_declared_content_type_is_415()
    {
        var response = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "<i>")], (Png, "text/plain")));
        await response.AssertProblemAsync(415, "images[0]");
        var mismatch = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "<i>")], (Png, "image/jpeg")));
        await mismatch.AssertProblemAsync(415, "images[0]");
    }

    [Fact]
    public async Task Form_fields_are_checked_like_json()
    {
        var words = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "a"), ("steps", "ten")]));
        await words.AssertProblemAsync(400, "steps");
        var unknown = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "a"), ("cfg", "7")]));
        await unknown.AssertProblemAsync(400, "cfg");
        var markers = await _client.PostAsync("/v1/generations", Call.Form([("prompt", "<i> <i>")], (Png, "image/png")));
        await markers.AssertProblemAsync(400, "images");
    }

    [Fact]
    public async Task An_unsupported_body_type_is_415_and_an_unsupported_accept_406()
    {
        var text = await _client.PostAsync("/v1/generations", new StringContent("prompt=a", Encoding.UTF8, "text/plain"));
        await text.AssertProblemAsync(415, "Content-Type");

        var html = await _client.SendAsync(Call.Generation(new { prompt = "a" }, "text/html"));
        await html.AssertProblemAsync(406, "Accept");
    }

    [Fact]
    public async Task Png_mode_with_several_images_is_400_on_n()
    {
        var response = await _client.SendAsync(Call.Generation(new { prompt = "a", n = 2 }, "image/png"));
        await response.AssertProblemAsync(400, "n");
    }

    [Fact]
    public async Task Openai_errors_also_carry_the_openai_error_object()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/generations")
        {
            Content = new StringContent("""{"prompt": "a", "size": "big"}""", Encoding.UTF8, "application/json"),
        };
        var problem = await (await _client.SendAsync(request)).AssertProblemAsync(400, "size");
        Assert.Equal("size", (string?)problem["error"]!["param"]);
        Assert.Equal("invalid_request_error", (string?)problem["error"]!["type"]);
        var format = await _client.PostAsync("/v1/images/generations",
            new StringContent("""{"prompt": "a", "response_format": "gif"}""", Encoding.UTF8, "application/json"));
        await format.AssertProblemAsync(400, "response_format");
    }
}
