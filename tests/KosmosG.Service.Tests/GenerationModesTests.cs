using System.Net.Http.Json;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>POST /v1/generations in every response mode, JSON and multipart bodies, and the job endpoints.</summary>
public sealed class GenerationModesTests : IAsyncLifetime
{
    readonly ServiceFactory _factory = new();
    HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await _factory.ReadyClientAsync();

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Json_mode_returns_every_image_with_its_seed_and_timings()
    {
        var response = await _client.SendAsync(Call.Generation(new { prompt = "a cat", n = 2, seed = 7, width = 64, height = 72 }));

        Assert.Equal(200, (int)response.StatusCode);
        var body = await response.JsonAsync();
        var images = body["images"]!.AsArray();
        Assert.Equal(2, images.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(i, (int)images[i]!["index"]!);
            Assert.Equal(7 + i, (long)images[i]!["seed"]!);
            Pngs.AssertImage(Convert.FromBase64String((string)images[i]!["png_base64"]!), 64, 72, 7 + i);
        }
        Assert.True((double)body["timings"]!["denoise"]! > 0);
        Assert.StartsWith("job_", (string)body["id"]!);
        Assert.True(long.Parse(response.Headers.GetValues("x-inference-time").Single()) >= 0);
        Assert.True(long.Parse(response.Headers.GetValues("x-queue-time").Single()) >= 0);
    }

    [Fact]
    public async Task Png_mode_returns_one_image_with_parameters_in_text_chunks_and_seed_header()
    {
        var response = await _client.SendAsync(Call.Generation(new { prompt = "a red fox", seed = 3, steps = 2 }, "image/png"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("3", response.Headers.GetValues("x-seed").Single());
        Assert.Single(response.Headers.GetValues("x-job-id"));
        var png = await response.Content.ReadAsByteArrayAsync();
        Pngs.AssertImage(png, 64, 64, 3);
        var text = KosmosG.Testing.PngFiles.Text(png);
        Assert.Equal("a red fox", text["prompt"]);
        Assert.Contains("Steps: 2, Sampler: dpms", text["parameters"]);
        Assert.Contains("Seed: 3", text["parameters"]);
    }

    [Fact]
    public async Task Multipart_with_images_in_marker_order_is_accepted()
    {
        var form = Call.Form([("prompt", "<i> meets <i>"), ("seed", "11"), ("steps", "2")],
            (TestPng.Solid(16, 16, 255, 0, 0), "image/png"), (TestPng.Solid(8, 8, 0, 0, 255), "image/png"));
        var response = await _client.PostAsync("/v1/generations", form);

        Assert.Equal(200, (int)response.StatusCode);
        var image = (await response.JsonAsync())["images"]!.AsArray().Single()!;
        Assert.Equal(11, (long)image["seed"]!);
    }

    [Fact]
    public async Task Json_images_may_be_data_urls_or_plain_base64()
    {
        var png = TestPng.Solid(16, 16, 1, 2, 3);
        var response = await _client.SendAsync(Call.Generation(new
        {
            prompt = "<i> and <i>", images = new[] { Call.DataUrl(png), Convert.ToBase64String(png) },
        }));
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task Event_stream_sends_typed_events_in_order_with_one_terminal_event()
    {
        var request = Call.Generation(new { prompt = "a cat", n = 2, steps = 3, seed = 5, preview_every = 2 }, "text/event-stream");
        var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);

        var events = new List<(string Event, System.Text.Json.Nodes.JsonObject Data)>();
        await foreach (var e in Call.EventsAsync(await response.Content.ReadAsStreamAsync())) events.Add(e);
        var names = events.Select(e => e.Event).ToList();

        Assert.Equal("queued", names[0]);
        Assert.Equal(1, (int)events[0].Data["position"]!);
        Assert.Equal("started", names[1]);
        Assert.Equal("completed", names[^1]);
        Assert.Single(names, n => n is "completed" or "error");
        var progress = events.Where(e => e.Event == "progress").Select(e => (int)e.Data["step"]!).ToList();
        Assert.Equal(Enumerable.Range(1, 6), progress);
        Assert.All(events.Where(e => e.Event == "progress"), e => Assert.Equal(6, (int)e.Data["total"]!));
        Assert.Equal(3, names.Count(n => n == "preview"));
        var images = events.Where(e => e.Event == "image").ToList();
        Assert.Equal([0, 1], images.Select(e => (int)e.Data["index"]!));
        Pngs.AssertImage(Convert.FromBase64String((string)images[1].Data["png_base64"]!), 64, 64, 6);
        // each image is sent as soon as it is finished: image 0 before the progress of image 1
        var firstStepOfImage1 = events.FindIndex(e => e.Event == "progress" && (int)e.Data["step"]! == 4);
        Assert.True(names.IndexOf("image") < firstStepOfImage1);
        Assert.True(names.LastIndexOf("progress") < names.LastIndexOf("image"));
    }

    [Fact]
    public async Task Respond_async_answers_202_with_location_then_polling_and_image_download_work()
    {
        var response = await _client.SendAsync(Call.Generation(new { prompt = "a cat", n = 2, seed = 100 }, async: true));

        Assert.Equal(202, (int)response.StatusCode);
        var id = (string)(await response.JsonAsync())["id"]!;
        Assert.Equal($"/v1/jobs/{id}", response.Headers.Location!.OriginalString);
        var job = await _client.FinishedJobAsync(id);
        Assert.Equal("succeeded", (string)job["state"]!);
        Assert.Equal(8, (int)job["progress"]!["total"]!);
        Assert.Equal(0, (int)job["queue_position"]!);
        var links = job["images"]!.AsArray();
        Assert.Equal(2, links.Count);

        var png = await _client.GetAsync((string)links[1]!["url"]!);
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        Pngs.AssertImage(await png.Content.ReadAsByteArrayAsync(), 64, 64, 101);

        await (await _client.GetAsync($"/v1/jobs/{id}/images/5")).AssertProblemAsync(404, "index");
        await (await _client.GetAsync("/v1/jobs/job_nope")).AssertProblemAsync(404, "id");
    }

    [Fact]
    public async Task Models_lists_the_loaded_model_its_defaults_and_limits()
    {
        var body = await (await _client.GetAsync("/v1/models")).JsonAsync();
        var model = body["data"]!.AsArray().Single()!;
        Assert.Equal("test-model", (string)model["id"]!);
        Assert.Equal("kosmos-g", (string)model["kind"]!);
        Assert.Equal("fp32", (string)model["dtype"]!);
        Assert.Equal(4, (int)model["defaults"]!["steps"]!);
        Assert.Equal(200, (int)model["limits"]!["max_prompt_chars"]!);
        Assert.Equal(8, (int)model["limits"]!["queue_capacity"]!);
        Assert.Equal("ready", (string)model["workers"]![0]!["state"]!);
    }

    [Fact]
    public async Task Health_openapi_swagger_and_metrics_are_served()
    {
        Assert.Equal(200, (int)(await _client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(200, (int)(await _client.GetAsync("/health/ready")).StatusCode);

        var doc = await (await _client.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync();
        foreach (var path in new[] { "/v1/generations", "/v1/images/generations", "/v1/images/edits", "/v1/jobs/{id}", "/v1/jobs/{id}/cancel", "/v1/jobs/{id}/images/{index}", "/v1/models" })
            Assert.Contains($"\"{path}\"", doc);
        Assert.Contains("urn:kosmosg:problem:invalid_field", doc);
        Assert.Contains("guidance_scale", doc);
        Assert.Contains("<i> wearing a red hat", doc);

        var ui = await _client.GetAsync("/swagger/index.html");
        Assert.Equal("text/html", ui.Content.Headers.ContentType!.MediaType);

        Assert.Equal(200, (int)(await _client.PostAsJsonAsync("/v1/generations", new { prompt = "count me" })).StatusCode);
        // A finished job is counted by a continuation of its completion, which may run just after the response went
        // out: wait (bounded) for the scrape that shows it instead of reading /metrics once.
        string[] expected = ["kosmosg_queue_depth", "kosmosg_queue_wait_seconds_bucket", "kosmosg_stage_duration_seconds_bucket",
            "kosmosg_images_total", "kosmosg_steps_total", "stage=\"denoise\""];
        var metrics = "";
        await Wait.UntilAsync(async () =>
        {
            metrics = await _client.GetStringAsync("/metrics");
            return expected.All(metrics.Contains);
        }, "/metrics to show the finished job");
        Assert.All(expected, name => Assert.Contains(name, metrics));
    }
}
