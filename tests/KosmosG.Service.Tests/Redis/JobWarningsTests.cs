using System.Net;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests.Redis;

/// <summary>
/// A job's warnings (what the generation did not use as asked) are kept with the job in either store: in the
/// synchronous JSON answer, in GET /v1/jobs/{id} and in the terminal SSE event, of the POST and of the job's stream;
/// with Redis read back on the replica that did not run the job.
/// </summary>
public abstract class JobWarningsTests : IDisposable
{
    readonly List<ServiceFactory> _hosts = [];

    /// <summary>The replica that gets the POSTs, and the one that reads the job back.</summary>
    protected abstract Task<(HttpClient Submit, HttpClient Read)> ClientsAsync();

    protected ServiceFactory Host(Action<ServiceFactory>? configure = null)
    {
        var host = new ServiceFactory(configure);
        _hosts.Add(host);
        return host;
    }

    [Fact]
    public async Task Warnings_are_in_the_job_its_events_and_the_synchronous_answer()
    {
        var (submit, read) = await ClientsAsync();
        var id = await submit.SubmitAsyncJob(new { prompt = "[warn] a cat", steps = 2, seed = 3 });
        var job = await read.FinishedJobAsync(id);
        Assert.Equal("succeeded", (string?)job["state"]);
        Assert.Equal([TestGenerator.Warning], job["warnings"]!.AsArray().Select(w => (string?)w));

        using var events = await read.GetAsync($"/v1/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        var terminal = await Call.EventsAsync(await events.Content.ReadAsStreamAsync()).LastAsync();
        Assert.Equal("completed", terminal.Event);
        Assert.Equal([TestGenerator.Warning], terminal.Data["warnings"]!.AsArray().Select(w => (string?)w));

        var streamed = await submit.SendAsync(Call.Generation(new { prompt = "[warn] a dog", steps = 2 }, accept: "text/event-stream"),
            HttpCompletionOption.ResponseHeadersRead);
        var last = await Call.EventsAsync(await streamed.Content.ReadAsStreamAsync()).LastAsync();
        Assert.Equal([TestGenerator.Warning], last.Data["warnings"]!.AsArray().Select(w => (string?)w));

        var sync = await submit.SendAsync(Call.Generation(new { prompt = "[warn] a bird", steps = 2 }));
        Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        Assert.Equal([TestGenerator.Warning], (await sync.JsonAsync())["warnings"]!.AsArray().Select(w => (string?)w));

        var plain = await read.FinishedJobAsync(await submit.SubmitAsyncJob(new { prompt = "a fish", steps = 1 }));
        Assert.Empty(plain["warnings"]!.AsArray());
    }

    public virtual void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }
}

public sealed class InMemoryJobWarningsTests : JobWarningsTests
{
    protected override async Task<(HttpClient, HttpClient)> ClientsAsync()
    {
        var client = await Host().ReadyClientAsync();
        return (client, client);
    }
}

public sealed class RedisJobWarningsTests : JobWarningsTests
{
    readonly RedisServer _redis = new();

    protected override async Task<(HttpClient, HttpClient)> ClientsAsync()
    {
        // Either replica may run a job; B rebuilds every job it is asked about from Redis, so what it shows went through it.
        var a = await Host(f => { f["Jobs:Redis"] = _redis.ConnectionString; f["Workers:Devices:0"] = "cuda:0"; }).ReadyClientAsync();
        var b = await Host(f => { f["Jobs:Redis"] = _redis.ConnectionString; f["Workers:Devices:0"] = "cuda:1"; }).ReadyClientAsync();
        return (a, b);
    }

    public override void Dispose()
    {
        base.Dispose();
        _redis.Dispose();
    }
}
