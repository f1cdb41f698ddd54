using System.Net;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests.Redis;

/// <summary>
/// Two service hosts (A and B, real HTTP through WebApplicationFactory) on one real redis-server: any replica answers
/// for any job, cancel reaches the runner, a replica that dies mid-job loses nothing, a Redis restart gives clear
/// 503s and then service again, and a flood across both gets only 2xx and 429 with every accepted job finished.
/// </summary>
public sealed class ReplicaTests : IDisposable
{
    readonly RedisServer _redis = new();
    readonly List<ServiceFactory> _hosts = [];

    ServiceFactory Host(string device, string? redis = null, double stepMs = 5, int capacity = 8, Action<ServiceFactory>? more = null)
    {
        var host = new ServiceFactory(f =>
        {
            f.Generator.StepDelay = TimeSpan.FromMilliseconds(stepMs);
            f["Jobs:Redis"] = redis ?? _redis.ConnectionString;
            f["Jobs:LeaseSeconds"] = "1";
            f["Workers:Devices:0"] = device;
            f["Queue:Capacity"] = capacity.ToString();
            f["Shutdown:DrainSeconds"] = "1";
            more?.Invoke(f);
        });
        _hosts.Add(host);
        return host;
    }

    static async Task<List<(string Event, string Id, string Data)>> EventsAsync(HttpClient client, string id, int? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{id}/events");
        if (lastEventId is { } last) request.Headers.Add("Last-Event-ID", last.ToString());
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, string, string)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? eventId = null, name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("id: ")) eventId = line[4..];
            else if (line.StartsWith("event: ")) name = line[7..];
            else if (line.StartsWith("data: ")) events.Add((name!, eventId!, line[6..]));
        }
        return events;
    }

    [Fact]
    public async Task A_job_submitted_on_A_is_polled_fetched_and_streamed_on_B()
    {
        var a = await Host("cuda:0").ReadyClientAsync();
        var b = await Host("cuda:1").ReadyClientAsync();
        var id = await a.SubmitAsyncJob(new { prompt = "shared", steps = 4, seed = 42, n = 2 });

        var job = await b.FinishedJobAsync(id);
        Assert.Equal("succeeded", (string?)job["state"]);
        Assert.Equal(2, job["images"]!.AsArray().Count);
        var png = await b.GetByteArrayAsync($"/v1/jobs/{id}/images/1");
        Pngs.AssertImage(png, 64, 64, seed: 43);

        var events = await EventsAsync(b, id);
        Assert.Equal(["queued", "started", "progress"], events.Select(e => e.Event).Distinct().Take(3));
        Assert.Equal("completed", events[^1].Event);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString()), events.Select(e => e.Id));
        // A client that reconnects after event 3 gets the rest, with the same ids, from the other replica.
        Assert.Equal(events.Skip(3), await EventsAsync(a, id, lastEventId: 3));
        var missing = await b.GetAsync("/v1/jobs/job_nothing/events");
        await missing.AssertProblemAsync(404, code: "job_not_found");
    }

    [Fact]
    public async Task With_a_results_folder_the_PNGs_go_to_files_any_replica_serves_and_expire_with_their_job()
    {
        var folder = Directory.CreateTempSubdirectory("kosmosg-results-").FullName;
        try
        {
            void Shared(ServiceFactory f)
            {
                f["Jobs:ResultsFolder"] = folder;
                f["Jobs:RetentionSeconds"] = "2";
            }
            var a = await Host("cuda:0", more: Shared).ReadyClientAsync();
            var b = await Host("cuda:1", more: Shared).ReadyClientAsync();
            var id = await a.SubmitAsyncJob(new { prompt = "to files", steps = 2, seed = 50, n = 2 });
            Assert.Equal("succeeded", (string?)(await b.FinishedJobAsync(id))["state"]);

            var files = Path.Combine(folder, id);
            Assert.Equal(["0.png", "1.png"], Directory.GetFiles(files).Select(Path.GetFileName).Order());
            Pngs.AssertImage(await b.GetByteArrayAsync($"/v1/jobs/{id}/images/1"), 64, 64, seed: 51);
            Assert.Equal(File.ReadAllBytes(Path.Combine(files, "0.png")), await a.GetByteArrayAsync($"/v1/jobs/{id}/images/0"));
            // The stream names the images without their bytes: Redis holds no PNG.
            using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString))
            {
                var images = (await redis.GetDatabase().StreamRangeAsync("kosmosg:events:" + id)).Where(e => e["e"] == "image").ToList();
                Assert.Equal(2, images.Count);
                Assert.All(images, e => Assert.Contains("\"Png\":\"\"", (string)e["d"]!));
            }
            var events = await EventsAsync(b, id);
            Assert.Equal(Convert.ToBase64String(File.ReadAllBytes(Path.Combine(files, "1.png"))),
                System.Text.Json.Nodes.JsonNode.Parse(events.Where(e => e.Event == "image").Last().Data)!["png_base64"]!.GetValue<string>());

            // Two seconds after the end Redis drops the record, and a replica's sweep the files.
            await Wait.UntilAsync(() => !Directory.Exists(files), "the job's files to be deleted", seconds: 15);
            await (await b.GetAsync($"/v1/jobs/{id}")).AssertProblemAsync(404, code: "job_not_found");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_retried_POST_with_the_same_Idempotency_Key_gets_the_same_job_on_any_replica()
    {
        var a = await Host("cuda:0").ReadyClientAsync();
        var b = await Host("cuda:1").ReadyClientAsync();
        async Task<(string Id, bool Replayed)> PostAsync(HttpClient client, string key)
        {
            var request = Call.Generation(new { prompt = "once", steps = 2, seed = 4 }, async: true);
            request.Headers.Add("Idempotency-Key", key);
            var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return ((string)(await response.JsonAsync())["id"]!, response.Headers.Contains("Idempotent-Replayed"));
        }
        var first = await PostAsync(a, "order-1");
        Assert.Equal((first.Id, true), await PostAsync(b, "order-1"));
        Assert.NotEqual(first.Id, (await PostAsync(b, "order-2")).Id);
        await b.FinishedJobAsync(first.Id);
        Assert.Equal((first.Id, true), await PostAsync(a, "order-1"));
    }

    [Fact]
    public async Task The_POST_stream_and_the_synchronous_answer_come_from_whichever_replica_runs_the_job()
    {
        var a = await Host("cuda:0").ReadyClientAsync();
        await Host("cuda:1").ReadyClientAsync();
        var streamed = await a.SendAsync(Call.Generation(new { prompt = "sse", steps = 3, seed = 5 }, accept: "text/event-stream"),
            HttpCompletionOption.ResponseHeadersRead);
        var names = new List<string>();
        await foreach (var (name, _) in Call.EventsAsync(await streamed.Content.ReadAsStreamAsync())) names.Add(name);
        Assert.Equal(["queued", "started", "progress", "progress", "progress", "image", "completed"], names);

        var png = await a.SendAsync(Call.Generation(new { prompt = "png", steps = 2, seed = 9 }, accept: "image/png"));
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Pngs.AssertImage(await png.Content.ReadAsByteArrayAsync(), 64, 64, seed: 9);
    }

    [Fact]
    public async Task Cancel_on_one_replica_stops_the_job_running_on_the_other_within_a_step()
    {
        var hosts = new[] { Host("cuda:0", stepMs: 40), Host("cuda:1", stepMs: 40) };
        var clients = new[] { await hosts[0].ReadyClientAsync(), await hosts[1].ReadyClientAsync() };
        var id = await clients[0].SubmitAsyncJob(new { prompt = "long", steps = 100 });
        await Wait.UntilAsync(async () => (string?)(await clients[1].JobAsync(id))["state"] == "running", "the job to start");
        var runner = (string?)(await clients[1].JobAsync(id))["device"] == "cuda:0" ? 0 : 1;
        var generators = hosts[runner].Generators;
        await Wait.UntilAsync(() => generators.Steps >= 4, "a few steps");

        var cancel = await (await clients[1 - runner].PostAsync($"/v1/jobs/{id}/cancel", null)).JsonAsync();
        var atCancel = generators.Steps;
        Assert.True((bool)cancel["cancelled"]!);
        await Wait.UntilAsync(() => generators.Cancellations > 0, "the runner to see the cancel");
        Assert.True(generators.Steps <= atCancel + 1, $"{generators.Steps - atCancel} steps ran after the cancel");
        var job = await clients[1 - runner].FinishedJobAsync(id);
        Assert.Equal(("cancelled", "cancelled"), ((string?)job["state"], (string?)job["error"]!["type"]));
        Assert.Equal(1, generators.Decodes); // the warm-up's image only: the cancelled job skipped decoding
    }

    [Fact]
    public async Task A_replica_that_dies_mid_job_loses_nothing_the_job_reruns_elsewhere_with_the_same_image()
    {
        var relay = new TcpRelay(_redis.Port);
        var dying = Host("cuda:0", redis: relay.ConnectionString, stepMs: 20);
        var release = new ManualResetEventSlim();
        var a = await dying.ReadyClientAsync();
        dying.Generators.Single.OnStep = steps => { if (steps >= 3) release.Wait(); };

        try
        {
            await DiesMidJobAsync(dying, a, relay);
        }
        finally
        {
            release.Set(); // lets A's stuck worker end, so its host can be disposed
            relay.Dispose();
        }
    }

    async Task DiesMidJobAsync(ServiceFactory dying, HttpClient a, TcpRelay relay)
    {
        var running = await a.SubmitAsyncJob(new { prompt = "dies", steps = 5, seed = 77 });
        var queued = new List<string>();
        for (var i = 0; i < 3; i++) queued.Add(await a.SubmitAsyncJob(new { prompt = $"waits {i}", steps = 2, seed = 100 + i }));
        await Wait.UntilAsync(() => dying.Generators.Steps >= 3, "the job to be mid-way on A");
        relay.Cut(); // A is gone for Redis and for B: no more lease renewals, events or takes

        var survivor = Host("cuda:1");
        var b = await survivor.ReadyClientAsync();
        var lost = 0;
        foreach (var id in queued.Prepend(running))
        {
            var job = await b.FinishedJobAsync(id);
            if ((string?)job["state"] != "succeeded") lost++;
        }
        Assert.Equal(0, lost);
        var image = await b.GetByteArrayAsync($"/v1/jobs/{running}/images/0");
        Pngs.AssertImage(image, 64, 64, seed: 77);
        var log = await EventsAsync(b, running);
        var events = log.Select(e => e.Event).ToList();
        Assert.Equal(2, events.Count(e => e == "started"));   // once on A, once on B
        var requeued = events.IndexOf("requeued");            // between them, saying why
        Assert.InRange(requeued, events.IndexOf("started") + 1, events.LastIndexOf("started") - 1);
        Assert.Contains("\"reason\":\"lease_expired\"", log[requeued].Data);
        Assert.Equal(1, events.Count(e => e == "completed"));
        Assert.Equal("completed", events[^1]);
        Assert.Equal(5, survivor.Generators.Single.Generations);  // warm-up + the four jobs, each once
        var metrics = await b.GetStringAsync("/metrics");
        Assert.Contains("kosmosg_redeliveries_total", metrics);
    }

    [Fact]
    public async Task A_replica_that_drains_hands_the_job_it_cannot_finish_back_and_another_finishes_it()
    {
        var draining = Host("cuda:0", stepMs: 40);
        var a = await draining.ReadyClientAsync();
        var id = await a.SubmitAsyncJob(new { prompt = "handed back", steps = 100, seed = 21 });
        await Wait.UntilAsync(() => draining.Generators.Steps >= 3, "the job to run on A");
        var b = await Host("cuda:1").ReadyClientAsync();

        await draining.DisposeAsync(); // SIGTERM: 1 s of drain, then the job goes back to the queue
        var job = await b.FinishedJobAsync(id, seconds: 30);
        Assert.Equal(("succeeded", "cuda:1"), ((string?)job["state"], (string?)job["device"]));
        Pngs.AssertImage(await b.GetByteArrayAsync($"/v1/jobs/{id}/images/0"), 64, 64, seed: 21);
        var log = await EventsAsync(b, id);
        var events = log.Select(e => e.Event).ToList();
        Assert.Equal(2, events.Count(e => e == "started"));
        Assert.Equal(events.LastIndexOf("started") - 1, events.IndexOf("requeued"));
        Assert.Contains("\"reason\":\"shutdown\"", log[events.IndexOf("requeued")].Data);
        Assert.DoesNotContain("error", events);
        Assert.Equal("completed", events[^1]);
    }

    [Fact]
    public async Task While_Redis_is_away_requests_get_clear_503s_then_service_resumes()
    {
        var a = await Host("cuda:0").ReadyClientAsync();
        var b = await Host("cuda:1").ReadyClientAsync();
        var before = await a.SubmitAsyncJob(new { prompt = "before", steps = 1 });
        await b.FinishedJobAsync(before);

        _redis.Stop();
        var refused = await a.SendAsync(Call.Generation(new { prompt = "away", steps = 1 }, async: true));
        await refused.AssertProblemAsync(503, code: "store_unavailable");
        Assert.NotNull(refused.Headers.RetryAfter);
        await (await b.GetAsync($"/v1/jobs/{before}")).AssertProblemAsync(503, code: "store_unavailable");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await b.GetAsync("/health/ready")).StatusCode);

        _redis.Start();
        string? after = null;
        await Wait.UntilAsync(async () =>
        {
            var response = await b.SendAsync(Call.Generation(new { prompt = "after", steps = 1, seed = 3 }, async: true));
            if (response.StatusCode != HttpStatusCode.Accepted) return false;
            after = (string)(await response.JsonAsync())["id"]!;
            return true;
        }, "the service to accept jobs again", seconds: 20);
        Assert.Equal("succeeded", (string?)(await a.FinishedJobAsync(after!))["state"]);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task A_flood_at_ten_times_capacity_gets_only_202_or_429_and_every_accepted_job_finishes()
    {
        var clients = new[] { await Host("cuda:0", stepMs: 10, capacity: 4).ReadyClientAsync(), await Host("cuda:1", stepMs: 10, capacity: 4).ReadyClientAsync() };
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            clients[i % 2].SendAsync(Call.Generation(new { prompt = $"flood {i}", steps = 3 }, async: true))));
        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.True(statuses.All(s => s is 202 or 429), string.Join(", ", statuses) + ": " + await responses[0].Content.ReadAsStringAsync());
        Assert.All(responses.Where(r => (int)r.StatusCode == 429), r => Assert.NotNull(r.Headers.RetryAfter));
        var accepted = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.InRange(accepted.Count, 4, 39);
        foreach (var response in accepted)
        {
            var id = (string)(await response.JsonAsync())["id"]!;
            Assert.Equal("succeeded", (string?)(await clients[0].FinishedJobAsync(id))["state"]);
        }
    }

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
        _redis.Dispose();
    }
}
