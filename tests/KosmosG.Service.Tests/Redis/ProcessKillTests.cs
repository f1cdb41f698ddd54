using System.Net;
using System.Text.Json.Nodes;
using KosmosG.Service.Tests.Support;
using Xunit.Abstractions;

namespace KosmosG.Service.Tests.Redis;

/// <summary>
/// kill -9 for real: replica A is the built service in a child process on the demo model, killed with SIGKILL while it
/// runs a job; replica B (in-process, the same model) finds the job's lease expired, runs it again from the start and
/// gives the image a fresh run of the same request gives. Nothing queued behind it is lost and nothing runs twice.
/// </summary>
public sealed class ProcessKillTests(ITestOutputHelper output) : IDisposable
{
    readonly RedisServer _redis = new();
    readonly List<IDisposable> _hosts = [];

    Dictionary<string, string> Settings() => new()
    {
        ["Model:Path"] = Path.Combine(RepoRoot.Path, "models", "demo"),
        ["Jobs:Redis"] = _redis.ConnectionString,
        ["Jobs:LeaseSeconds"] = "1",
        ["Workers:WarmupSteps"] = "1",
        ["RateLimit:PermitsPerWindow"] = "0",
    };

    static async Task<List<(string Event, JsonObject Data)>> EventsAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/v1/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        var events = new List<(string, JsonObject)>();
        await foreach (var e in Call.EventsAsync(await response.Content.ReadAsStreamAsync())) events.Add(e);
        return events;
    }

    [Fact]
    public async Task A_replica_killed_with_SIGKILL_mid_job_loses_nothing_and_the_rerun_gives_the_same_image()
    {
        var child = new ServiceProcess(Settings());
        _hosts.Add(child);
        var a = await child.ReadyClientAsync();
        var running = await a.SubmitAsyncJob(new { prompt = "a red circle on the left on a white background", steps = 40, seed = 77 });
        var queued = new List<string>();
        for (var i = 0; i < 2; i++)
            queued.Add(await a.SubmitAsyncJob(new { prompt = $"a blue square on the right on a black background", steps = 2, seed = 100 + i }));
        await Wait.UntilAsync(async () => (int)(await a.JobAsync(running))["progress"]!["step"]! >= 3, "the job to be mid-way on A", 60);

        child.Kill(); // SIGKILL: no drain, the lease is simply no longer renewed
        Assert.True(child.HasExited);
        var survivor = new ServiceFactory(f =>
        {
            f.UseTestGenerator = false;
            foreach (var (key, value) in Settings()) f[key] = value;
        });
        _hosts.Add(survivor);
        var b = await survivor.ReadyClientAsync();

        var jobs = queued.Prepend(running).ToList();
        var lost = 0;
        var duplicates = 0;
        foreach (var id in jobs)
        {
            var job = await b.FinishedJobAsync(id, seconds: 120);
            if ((string?)job["state"] != "succeeded" || job["images"]!.AsArray().Count != 1) lost++;
            var events = await EventsAsync(b, id);
            var requeued = events.Count(e => e.Event == "requeued");
            // A run is duplicated when it started more often than the job went back to the queue, or ended twice.
            duplicates += events.Count(e => e.Event == "started") - (requeued + 1) + events.Count(e => e.Event == "completed") - 1;
            Assert.Equal("completed", events[^1].Event);
            Assert.Equal(id == running ? 1 : 0, requeued);
        }
        output.WriteLine($"kill -9 test: {jobs.Count} jobs, {lost} lost, {duplicates} duplicate executions");
        Assert.Equal((0, 0), (lost, duplicates));

        var log = await EventsAsync(b, running);
        var names = log.Select(e => e.Event).ToList();
        var requeue = names.IndexOf("requeued");
        Assert.Equal("lease_expired", (string?)log[requeue].Data["reason"]);
        Assert.Equal(["queued", "started", "progress"], names.Take(3));
        Assert.Equal("started", names[requeue + 1]); // the rerun, on B
        Assert.Equal(1, names.Count(n => n == "image"));

        // The rerun is the same computation: the same request run afresh on B gives the same PNG, byte for byte.
        var rerun = await b.GetByteArrayAsync($"/v1/jobs/{running}/images/0");
        var fresh = await b.SendAsync(Call.Generation(new { prompt = "a red circle on the left on a white background", steps = 40, seed = 77 }, accept: "image/png"));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(await fresh.Content.ReadAsByteArrayAsync(), rerun);
        Assert.Contains("kosmosg_redeliveries_total", await b.GetStringAsync("/metrics"));
    }

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
        _redis.Dispose();
    }
}
