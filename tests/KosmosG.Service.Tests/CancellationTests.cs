using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>Explicit cancel, disconnects (sync and SSE) and deadlines stop work within one step and skip decoding.</summary>
public sealed class CancellationTests : IAsyncLifetime
{
    readonly ServiceFactory _factory = new(f => f.Generator.StepDelay = TimeSpan.FromMilliseconds(40));
    HttpClient _client = null!;
    int _decodesAtStart;

    public async Task InitializeAsync()
    {
        _client = await _factory.ReadyClientAsync();
        _decodesAtStart = _factory.Generators.Decodes;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    TestGeneratorFactory Generators => _factory.Generators;

    /// <summary>Waits until the generator is mid-job, runs the cancelling action, and checks at most one more step ran.</summary>
    async Task AssertStopsWithinAStepAsync(Func<Task> cancel)
    {
        var startSteps = Generators.Steps;
        await Wait.UntilAsync(() => Generators.Steps >= startSteps + 3, "the job to run a few steps");
        var cancellations = Generators.Cancellations;
        await cancel();
        var atCancel = Generators.Steps;
        await Wait.UntilAsync(() => Generators.Cancellations > cancellations, "the generator to see the cancellation");
        Assert.True(Generators.Steps <= atCancel + 1, $"{Generators.Steps - atCancel} steps ran after the cancel");
        Assert.Equal(_decodesAtStart, Generators.Decodes);
    }

    [Fact]
    public async Task Explicit_cancel_stops_a_running_job_and_is_idempotent()
    {
        var id = await _client.SubmitAsyncJob(new { prompt = "long", steps = 100 });
        await AssertStopsWithinAStepAsync(async () =>
        {
            var first = await (await _client.PostAsync($"/v1/jobs/{id}/cancel", null)).JsonAsync();
            Assert.True((bool)first["cancelled"]!);
        });
        var job = await _client.FinishedJobAsync(id);
        Assert.Equal("cancelled", (string?)job["state"]);
        Assert.Equal("cancelled", (string?)job["error"]!["type"]);
        Assert.Empty(job["images"]!.AsArray());
        var again = await (await _client.PostAsync($"/v1/jobs/{id}/cancel", null)).JsonAsync();
        Assert.True((bool)again["cancelled"]!);
        Assert.Equal("cancelled", (string?)again["state"]);
    }

    [Fact]
    public async Task Cancel_of_a_finished_job_reports_false()
    {
        var id = await _client.SubmitAsyncJob(new { prompt = "short", steps = 1 });
        await _client.FinishedJobAsync(id);
        var result = await (await _client.PostAsync($"/v1/jobs/{id}/cancel", null)).JsonAsync();
        Assert.False((bool)result["cancelled"]!);
        Assert.Equal("succeeded", (string?)result["state"]);
    }

    [Fact]
    public async Task Disconnect_of_a_synchronous_client_cancels_its_job()
    {
        using var disconnect = new CancellationTokenSource();
        var request = _client.SendAsync(Call.Generation(new { prompt = "sync", steps = 100 }), disconnect.Token);
        await AssertStopsWithinAStepAsync(() =>
        {
            disconnect.Cancel();
            return Task.CompletedTask;
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
    }

    [Fact]
    public async Task Disconnect_of_an_event_stream_client_cancels_its_job()
    {
        var response = await _client.SendAsync(Call.Generation(new { prompt = "sse", steps = 100 }, "text/event-stream"),
            HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var id = response.Headers.GetValues("x-job-id").Single();
        await AssertStopsWithinAStepAsync(() =>
        {
            // A client going away closes the body stream and the response together.
            stream.Dispose();
            response.Dispose();
            return Task.CompletedTask;
        });
        var job = await _client.FinishedJobAsync(id);
        Assert.Equal("client_disconnected", (string?)job["error"]!["type"]);
    }

    [Fact]
    public async Task An_async_job_survives_the_client_going_away()
    {
        string id;
        using (var goneClient = _factory.CreateClient())
            id = await goneClient.SubmitAsyncJob(new { prompt = "async", steps = 5 });
        var job = await _client.FinishedJobAsync(id);
        Assert.Equal("succeeded", (string?)job["state"]);
    }

    [Fact]
    public async Task A_deadline_cancels_the_job_and_answers_504()
    {
        var started = DateTime.UtcNow;
        var response = await _client.SendAsync(Call.Generation(new { prompt = "slow", steps = 100, deadline_seconds = 0.4 }));
        await response.AssertProblemAsync(504, code: "deadline_exceeded");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
        Assert.Equal(_decodesAtStart, Generators.Decodes);
    }

    [Fact]
    public async Task A_deadline_in_the_event_stream_is_the_single_error_event()
    {
        var response = await _client.SendAsync(Call.Generation(new { prompt = "slow", steps = 100, deadline_seconds = 0.3 }, "text/event-stream"),
            HttpCompletionOption.ResponseHeadersRead);
        var events = new List<string>();
        System.Text.Json.Nodes.JsonObject last = null!;
        await foreach (var (name, data) in Call.EventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(name);
            last = data;
        }
        Assert.Equal("error", events[^1]);
        Assert.Single(events, e => e is "error" or "completed");
        Assert.Equal("deadline_exceeded", (string?)last["type"]);
    }
}
