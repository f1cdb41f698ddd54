using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using System.Text;
using KosmosG.Service.Tests.Support;
using OpenAI;
using OpenAI.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;

namespace KosmosG.Service.Tests;

/// <summary>The OpenAI Images endpoints with what the OpenAI SDKs send: /v1/images/generations, and /v1/images/edits,
/// whose images become the &lt;i&gt; subjects.</summary>
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

    static byte[] Png(byte shade) => TestPng.Solid(8, 8, shade, shade, shade);

    /// <summary>A form with these text fields and one file part per image, each named <paramref name="imageName"/>.</summary>
    static MultipartFormDataContent Edit(string imageName, IEnumerable<(string Name, string Value)> fields, params byte[][] images)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        for (var i = 0; i < images.Length; i++)
        {
            var part = new ByteArrayContent(images[i]);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(part, imageName, $"subject{i}.png");
        }
        return form;
    }

    /// <summary>The prompt the generator ran, from the PNG's text chunks (read with ImageSharp, not our encoder).</summary>
    static string PromptOf(byte[] png) =>
        Image.Load(png).Metadata.GetPngMetadata().TextData.Single(t => t.Keyword == "prompt").Value;

    async Task<(string Prompt, long Seed)> OnlyImageAsync(HttpResponseMessage response, int width = 64, int height = 64)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var data = (await response.JsonAsync())["data"]!.AsArray();
        var item = Assert.Single(data)!;
        var png = Convert.FromBase64String((string)item["b64_json"]!);
        var seed = (long)item["seed"]!;
        Pngs.AssertImage(png, width, height, seed);
        return (PromptOf(png), seed);
    }

    [Fact]
    public async Task One_image_as_image_gets_a_marker_in_front_of_a_prompt_without_one()
    {
        var response = await _client.PostAsync("/v1/images/edits",
            Edit("image", [("prompt", "make it a watercolor"), ("size", "72x64"), ("seed", "5")], Png(10)));

        var (prompt, seed) = await OnlyImageAsync(response, 72, 64);
        Assert.Equal("<i> make it a watercolor", prompt);
        Assert.Equal(5, seed);
    }

    [Theory]
    [InlineData("<i> and <i> at the beach", "<i> and <i> at the beach")]
    [InlineData("at the beach", "<i> <i> at the beach")]
    [InlineData("<i> at the beach", "<i> <i> at the beach")]
    public async Task Two_images_as_image_brackets_fill_the_markers_and_the_missing_ones_go_in_front(string sent, string run)
    {
        var response = await _client.PostAsync("/v1/images/edits", Edit("image[]", [("prompt", sent)], Png(10), Png(200)));

        Assert.Equal(run, (await OnlyImageAsync(response)).Prompt);
    }

    [Fact]
    public async Task More_markers_than_images_is_400_from_the_models_check()
    {
        var response = await _client.PostAsync("/v1/images/edits", Edit("image", [("prompt", "<i> next to <i>")], Png(10)));

        var problem = await response.AssertProblemAsync(400, "images");
        Assert.Equal("invalid_request_error", (string?)problem["error"]!["type"]);
    }

    [Fact]
    public async Task Url_format_links_to_the_jobs_images_and_n_gives_several()
    {
        var response = await _client.PostAsync("/v1/images/edits",
            Edit("image[]", [("prompt", "<i> as a statue"), ("n", "2"), ("response_format", "url"), ("seed", "9")], Png(10)));

        Assert.Equal(200, (int)response.StatusCode);
        var data = (await response.JsonAsync())["data"]!.AsArray();
        Assert.Equal([9L, 10L], data.Select(d => (long)d!["seed"]!));
        foreach (var item in data)
        {
            Assert.Null(item!["b64_json"]);
            var image = await _client.GetAsync(new Uri((string)item["url"]!).PathAndQuery);
            Pngs.AssertImage(await image.Content.ReadAsByteArrayAsync(), 64, 64, (long)item["seed"]!);
        }
    }

    [Fact]
    public async Task Bad_requests_are_problems_naming_the_field_with_openais_error_object()
    {
        async Task Expect(HttpContent body, int status, string field)
        {
            var problem = await (await _client.PostAsync("/v1/images/edits", body)).AssertProblemAsync(status, field);
            Assert.Equal(field, (string?)problem["error"]!["param"]);
        }

        await Expect(Edit("image", [("prompt", "a cat")]), 400, "image");
        await Expect(Edit("image[]", [("prompt", "a cat")], Png(1), Png(2), Png(3), Png(4)), 400, "image");
        await Expect(Edit("image", [], Png(1)), 400, "prompt");
        await Expect(Edit("image", [("prompt", "  ")], Png(1)), 400, "prompt");
        await Expect(Edit("image", [("prompt", "a cat"), ("size", "huge")], Png(1)), 400, "size");
        await Expect(Edit("image", [("prompt", "a cat"), ("response_format", "gif")], Png(1)), 400, "response_format");
        await Expect(Edit("image", [("prompt", "a cat"), ("stream", "true")], Png(1)), 400, "stream");
        await Expect(Edit("image", [("prompt", "a cat"), ("steps", "many")], Png(1)), 400, "steps");
        await Expect(Edit("photo", [("prompt", "a cat")], Png(1)), 400, "photo");

        // A part over KosmosG:Limits:MaxImageBytes (64 KiB here) fails while the form is read.
        await Expect(Edit("image", [("prompt", "a cat")], new byte[70_000]), 413, "image");

        var masked = Edit("image", [("prompt", "a cat")], Png(1));
        masked.Add(new ByteArrayContent(Png(0)), "mask", "mask.png");
        await Expect(masked, 400, "mask");

        var text = Edit("image", [("prompt", "a cat")]);
        var notImage = new ByteArrayContent("not an image at all"u8.ToArray());
        notImage.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        text.Add(notImage, "image", "notes.txt");
        await Expect(text, 415, "image[0]");

        var disguised = Edit("image", [("prompt", "a cat")], "GIF89a not really a png"u8.ToArray());
        await Expect(disguised, 415, "image[0]");

        await Expect(new StringContent("""{"prompt": "a cat", "image": "iVBORw0KGgo="}""", Encoding.UTF8, "application/json"), 415, "Content-Type");
    }

    [Fact]
    public async Task What_the_openai_python_sdk_sends_for_images_edit_works()
    {
        // openai-python's client.images.edit(image=[open("cat.png", "rb"), open("hat.jpg", "rb")], prompt=..., model=...,
        // n=1, response_format="b64_json", size="64x64", user=...) through httpx: the data fields first, in the SDK's
        // body order, values as strings; then extract_files' "image[]" parts (a list: the name gets "[]"), each with
        // its file's name and the type mimetypes guesses from it; httpx's boundary is 32 hex digits.
        const string boundary = "9d3c1f4e7a2b4c6d8e0f1a2b3c4d5e6f";
        var jpeg = await JpegAsync();
        using var body = new MemoryStream();
        void Write(string s) => body.Write(Encoding.UTF8.GetBytes(s));
        foreach (var (name, value) in new[] { ("prompt", "<i> wearing <i>"), ("model", "gpt-image-1"), ("n", "1"),
                     ("response_format", "b64_json"), ("size", "64x64"), ("user", "user-1234") })
            Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
        foreach (var (file, type, bytes) in new[] { ("cat.png", "image/png", Png(30)), ("hat.jpg", "image/jpeg", jpeg) })
        {
            Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"{file}\"\r\nContent-Type: {type}\r\n\r\n");
            body.Write(bytes);
            Write("\r\n");
        }
        Write($"--{boundary}--\r\n");

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/edits") { Content = new ByteArrayContent(body.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", "OpenAI/Python 1.99.9");
        request.Headers.TryAddWithoutValidation("X-Stainless-Lang", "python");
        request.Headers.TryAddWithoutValidation("x-stainless-retry-count", "0");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer sk-no-key-configured");
        var response = await _client.SendAsync(request);

        Assert.Equal("<i> wearing <i>", (await OnlyImageAsync(response)).Prompt);
    }

    [Fact]
    public async Task The_official_openai_dotnet_sdk_edits_an_image_and_reads_our_errors()
    {
        var images = new ImageClient("gpt-image-1", new ApiKeyCredential("sk-no-key-configured"), new OpenAIClientOptions
        {
            Endpoint = new Uri(_client.BaseAddress!, "/v1"),
            Transport = new HttpClientPipelineTransport(_factory.CreateClient()),
        });

        // The SDK disposes the streams it sends.
        var edits = await images.GenerateImageEditsAsync(new MemoryStream(Png(10)), "subject.png", "make it a watercolor", 2,
            new ImageEditOptions { Size = new GeneratedImageSize(72, 64), ResponseFormat = GeneratedImageFormat.Bytes, EndUserId = "user-1" });
        Assert.Equal(2, edits.Value.Count);
        foreach (var edit in edits.Value)
        {
            var png = edit.ImageBytes.ToArray();
            using var decoded = Image.Load(png);
            Assert.Equal((72, 64), (decoded.Width, decoded.Height));
            Assert.Equal("<i> make it a watercolor", PromptOf(png));
        }

        var linked = await images.GenerateImageEditAsync(new MemoryStream(Png(10)), "subject.png", "<i> as a statue", new ImageEditOptions { ResponseFormat = GeneratedImageFormat.Uri });
        var fetched = await _client.GetAsync(linked.Value.ImageUri.PathAndQuery);
        Assert.Equal("<i> as a statue", PromptOf(await fetched.Content.ReadAsByteArrayAsync()));

        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            images.GenerateImageEditAsync(new MemoryStream(Png(10)), "subject.png", "a cat", new MemoryStream(Png(0)), "mask.png"));
        Assert.Equal(400, refused.Status);
        Assert.Contains("mask is not supported", refused.Message);
    }

    [Fact]
    public async Task Api_keys_idempotency_keys_and_a_full_queue_work_as_on_the_other_endpoints()
    {
        await using var factory = new ServiceFactory(f =>
        {
            f["Auth:Keys:0:Name"] = "alice";
            f["Auth:Keys:0:Sha256"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("alice-secret"u8)).ToLowerInvariant();
            f["Queue:Capacity"] = "1";
            f.Generator.StepDelay = TimeSpan.FromMilliseconds(50);
        });
        var anonymous = await factory.ReadyClientAsync();
        var alice = factory.CreateClient();
        alice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "alice-secret");
        HttpRequestMessage Post(string key) => new(HttpMethod.Post, "/v1/images/edits")
        {
            Content = Edit("image", [("prompt", "a cat"), ("steps", "1")], Png(1)), Headers = { { "Idempotency-Key", key } },
        };

        await (await anonymous.PostAsync("/v1/images/edits", Edit("image", [("prompt", "a cat")], Png(1)))).AssertProblemAsync(401, "Authorization");

        var first = await alice.SendAsync(Post("edit-1"));
        var again = await alice.SendAsync(Post("edit-1"));
        Assert.Equal(200, (int)again.StatusCode);
        Assert.Equal(first.Headers.GetValues("x-job-id"), again.Headers.GetValues("x-job-id"));
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((string)(await first.JsonAsync())["data"]![0]!["b64_json"]!, (string)(await again.JsonAsync())["data"]![0]!["b64_json"]!);

        // One job running, one waiting: the queue (capacity 1) is full.
        var runningId = await alice.SubmitAsyncJob(new { prompt = "a", steps = 40 });
        await Wait.UntilAsync(async () => (string?)(await alice.JobAsync(runningId))["state"] == "running", "the first job to start");
        var waitingId = await alice.SubmitAsyncJob(new { prompt = "b", steps = 40 });

        var refused = await alice.SendAsync(Post("edit-2"));
        await refused.AssertProblemAsync(429, code: "queue_full");
        Assert.True(refused.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));
        foreach (var id in new[] { waitingId, runningId }) await alice.PostAsync($"/v1/jobs/{id}/cancel", null);
    }

    static async Task<byte[]> JpegAsync()
    {
        using var image = Image.Load(Png(120));
        using var jpeg = new MemoryStream();
        await image.SaveAsJpegAsync(jpeg);
        return jpeg.ToArray();
    }
}
