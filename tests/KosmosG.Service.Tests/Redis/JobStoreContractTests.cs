using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using KosmosG.Service.Queue;
using KosmosG.Service.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KosmosG.Service.Tests.Redis;

/// <summary>
/// What every job store and queue must do, run against the in-process pair and the Redis pair (a real redis-server):
/// FIFO with a capacity, positions, the request round trip (images included), cancel of a waiting job, and a job's
/// state, images and events seen through the store.
/// </summary>
public abstract class JobStoreContractTests : IDisposable
{
    readonly ServiceProvider _services;
    protected readonly IJobQueue Queue;
    protected readonly IJobStore Store;

    protected JobStoreContractTests(string? redis)
    {
        var settings = new Dictionary<string, string?> { ["KosmosG:Queue:Capacity"] = "2", ["KosmosG:Jobs:Redis"] = redis ?? "" };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _services = new ServiceCollection().AddLogging().AddMetrics().AddSingleton<ServiceMetrics>()
            .AddKosmosGOptions(configuration).AddKosmosGQueue().BuildServiceProvider();
        Queue = _services.GetRequiredService<IJobQueue>();
        Store = _services.GetRequiredService<IJobStore>();
    }

    protected static Job NewJob(string prompt, long seed = 7) => new(new GenerationRequest
    {
        Prompt = prompt, Steps = 3, GuidanceScale = 2, Width = 64, Height = 64, Seed = seed,
        Images = prompt.Contains("<i>") ? [new RgbImage(2, 1, [1, 2, 3, 4, 5, 6])] : [],
    }, TimeSpan.FromMinutes(1));

    protected async Task<Job> Submit(Job job)
    {
        Assert.True(await Queue.TryEnqueueAsync(job));
        Store.Add(job);
        return job;
    }

    protected Job Take()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return Queue.Take(stop.Token) ?? throw new TimeoutException("no job to take");
    }

    [Fact]
    public async Task Jobs_leave_in_order_with_their_request_and_the_capacity_holds()
    {
        var first = await Submit(NewJob("<i> first", seed: 11));
        var second = await Submit(NewJob("second"));
        Assert.False(await Queue.TryEnqueueAsync(NewJob("third")));
        Assert.Equal((2, 1, 2), (await Queue.CountAsync(), await Queue.PositionOfAsync(first), await Queue.PositionOfAsync(second)));

        var taken = Take();
        Assert.Equal(first.Id, taken.Id);
        Assert.Equal("<i> first", taken.Request.Prompt);
        Assert.Equal(11, taken.Request.Seed);
        Assert.Equal([1, 2, 3, 4, 5, 6], taken.Request.Images.Single().Pixels);
        Assert.Equal(first.CreatedAt.ToUnixTimeMilliseconds(), taken.CreatedAt.ToUnixTimeMilliseconds());
        Assert.Equal(1, await Queue.PositionOfAsync(second));
        Assert.Equal(second.Id, Take().Id);
        Assert.Equal(0, await Queue.CountAsync());
    }

    [Fact]
    public async Task A_waiting_job_cancelled_through_the_store_leaves_the_queue()
    {
        var job = await Submit(NewJob("waits"));
        Assert.True(await Store.CancelAsync((await Store.FindAsync(job.Id))!, JobErrorTypes.Cancelled));
        await Wait.UntilAsync(async () => (await Store.FindAsync(job.Id))!.State == JobState.Cancelled, "the job to be cancelled");
        Assert.Equal(0, await Queue.CountAsync());
        Assert.Equal(JobErrorTypes.Cancelled, (await Store.FindAsync(job.Id))!.Error!.Value.Type);
        await job.Finished.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(JobState.Cancelled, job.State);
    }

    [Fact]
    public async Task A_run_is_seen_through_the_store_with_its_images_and_events_in_order()
    {
        var job = await Submit(NewJob("runs"));
        var events = job.Subscribe();
        var run = Take();
        Assert.True(run.TryStart("cpu"));
        run.ReportStep(1, 1);
        run.AddImage(new GeneratedImage(0, 7, TestPng.Solid(4, 4, 1, 2, 3)));
        run.Succeed(new StageTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.Zero, TimeSpan.Zero), ["not applied: x"]);
        await job.Finished.WaitAsync(TimeSpan.FromSeconds(5));

        var seenEvents = new List<JobEvent>();
        await foreach (var e in events.ReadAllAsync()) seenEvents.Add(e);
        Assert.Equal(["queued", "started", "progress", "image", "completed"], seenEvents.Select(e => e.Name));
        Assert.Equal(["not applied: x"], ((CompletedEvent)seenEvents[^1]).Warnings);
        await Wait.UntilAsync(async () => (await Store.FindAsync(job.Id))!.IsFinished, "the store to see the end");
        var seen = (await Store.FindAsync(job.Id))!;
        Assert.Equal((JobState.Succeeded, "cpu", 2.0), (seen.State, seen.Device, seen.Timings!.Denoise.TotalSeconds));
        Assert.Equal(["not applied: x"], seen.Warnings);
        Assert.Equal(TestPng.Solid(4, 4, 1, 2, 3), seen.Images.Single().Png);

        var replay = new List<string>();
        await foreach (var e in (await Store.FollowAsync(job.Id, CancellationToken.None))!.Subscribe(skip: 3).ReadAllAsync()) replay.Add(e.Name);
        Assert.Equal(["image", "completed"], replay);
    }

    [Fact]
    public async Task A_job_its_runner_rejects_for_a_field_is_failed_not_cancelled_through_the_store()
    {
        var job = await Submit(NewJob("rejected"));
        var run = Take();
        Assert.True(run.TryStart("cpu"));
        run.Reject("Loras", "fits no layer");
        await job.Finished.WaitAsync(TimeSpan.FromSeconds(5));
        await Wait.UntilAsync(async () => (await Store.FindAsync(job.Id))!.IsFinished, "the store to see the end");
        var seen = (await Store.FindAsync(job.Id))!;
        Assert.Equal((JobState.Failed, JobErrorTypes.InvalidField), (seen.State, seen.Error!.Value.Type));
        Assert.Equal(JobState.Failed, job.State);
    }

    [Fact]
    public async Task An_idempotency_key_names_its_first_job_until_unclaimed()
    {
        var first = await Submit(NewJob("first"));
        Assert.Null(await Store.ClaimAsync("key:a", first.Id));
        Assert.Equal(first.Id, await Store.ClaimAsync("key:a", "job_retry"));
        Assert.Null(await Store.ClaimAsync("other:a", "job_other"));
        await Store.UnclaimAsync("key:a", "job_someone_else");
        Assert.Equal(first.Id, await Store.ClaimAsync("key:a", "job_retry"));
        await Store.UnclaimAsync("key:a", first.Id);
        Assert.Null(await Store.ClaimAsync("key:a", "job_new"));
    }

    [Fact]
    public void Take_returns_null_once_stopped()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.Null(Queue.Take(stop.Token));
    }

    public void Dispose() => _services.Dispose();
}

public sealed class InMemoryJobStoreContractTests() : JobStoreContractTests(null);

[Collection(nameof(RedisJobStoreContractTests))]
public sealed class RedisJobStoreContractTests : JobStoreContractTests, IClassFixture<RedisJobStoreContractTests.Server>
{
    readonly string _redis;

    public RedisJobStoreContractTests(Server server) : this(server.Fresh()) { }

    RedisJobStoreContractTests(string redis) : base(redis) => _redis = redis;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_submitter_reads_each_step_only_while_it_streams_the_events(bool streams)
    {
        const int steps = 10;
        var job = await Submit(NewJob(streams ? "streamed" : "synchronous"));
        var events = streams ? job.Subscribe() : null;
        var run = Take();
        Assert.True(run.TryStart("cpu"));
        await Wait.UntilAsync(() => job.State == JobState.Running, "the submitter to see the start");
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis + ",allowAdmin=true");
        var server = connection.GetServer(_redis);
        await server.ConfigResetStatisticsAsync();
        for (var step = 1; step <= steps; step++)
        {
            run.ReportStep(step, steps);
            if (streams) await Wait.UntilAsync(() => job.Progress.Step == step, "the streamed step");
            else await Task.Delay(30);
        }
        var reads = await StreamReads(server);
        run.AddImage(new GeneratedImage(0, 7, TestPng.Solid(4, 4, 1, 2, 3)));
        run.Succeed(new StageTimings(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero), []);
        await job.Finished.WaitAsync(TimeSpan.FromSeconds(5));

        // A synchronous answer's copy is read at the image and the end (and by the once-a-second poll), yet it ends
        // with every event, as a streamed one does.
        if (streams) Assert.InRange(reads, steps, 3 * steps);
        else Assert.InRange(reads, 0, 2);
        var log = new List<string>();
        await foreach (var e in (events ?? job.Subscribe()).ReadAllAsync()) log.Add(e.Name);
        Assert.Equal(["queued", "started", .. Enumerable.Repeat("progress", steps), "image", "completed"], log);
        Assert.Equal((steps, steps), job.Progress);
    }

    static async Task<long> StreamReads(StackExchange.Redis.IServer server)
    {
        var stats = (await server.InfoAsync("commandstats")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        return stats.TryGetValue("cmdstat_xread", out var xread) ? long.Parse(xread.Split(',')[0]["calls=".Length..]) : 0;
    }

    /// <summary>One redis-server for the class, emptied before each test.</summary>
    public sealed class Server : IDisposable
    {
        readonly RedisServer _redis = new();

        public string Fresh()
        {
            using var connection = StackExchange.Redis.ConnectionMultiplexer.Connect(_redis.ConnectionString + ",allowAdmin=true");
            connection.GetServer(_redis.ConnectionString).FlushAllDatabases();
            return _redis.ConnectionString;
        }

        public void Dispose() => _redis.Dispose();
    }
}
