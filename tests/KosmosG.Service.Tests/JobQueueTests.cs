using KosmosG.Pipelines;
using KosmosG.Service.Queue;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KosmosG.Service.Tests;

/// <summary>The bounded queue on its own (the HTTP tests reach it only behind Admission's early full check).</summary>
public sealed class JobQueueTests
{
    /// <summary>The in-process queue as the service builds it (no KosmosG:Jobs:Redis).</summary>
    static IJobQueue Queue(int capacity) =>
        new ServiceCollection().AddLogging().AddMetrics().AddSingleton<ServiceMetrics>()
            .AddKosmosGOptions(new ConfigurationBuilder().AddInMemoryCollection(
                new Dictionary<string, string?> { ["KosmosG:Queue:Capacity"] = capacity.ToString() }).Build())
            .AddKosmosGQueue().BuildServiceProvider().GetRequiredService<IJobQueue>();

    static Job NewJob() => new(new GenerationRequest { Prompt = "a cat" }, TimeSpan.FromMinutes(5));

    [Fact]
    public void Holds_exactly_capacity_jobs_and_a_freed_slot_takes_one_more()
    {
        var queue = Queue(3);
        var jobs = Enumerable.Range(0, 3).Select(_ => NewJob()).ToList();
        Assert.All(jobs, job => Assert.True(queue.TryEnqueueAsync(job).Result));
        Assert.True((queue.CountAsync().Result == queue.Capacity));
        Assert.False(queue.TryEnqueueAsync(NewJob()).Result);
        Assert.Equal(3, queue.CountAsync().Result);
        Assert.Equal([1, 2, 3], jobs.Select(j => queue.PositionOfAsync(j).Result));

        // a waiting job that is cancelled leaves at once and the next one moves up
        jobs[0].Cancel("test");
        Assert.Equal(2, queue.CountAsync().Result);
        Assert.Equal(JobState.Cancelled, jobs[0].State);
        Assert.Equal([0, 1, 2], jobs.Select(j => queue.PositionOfAsync(j).Result));
        Assert.False((queue.CountAsync().Result == queue.Capacity));
        Assert.True(queue.TryEnqueueAsync(NewJob()).Result);
        Assert.False(queue.TryEnqueueAsync(NewJob()).Result);
        Assert.Equal(3, queue.CountAsync().Result);
    }

    [Fact]
    public void Take_returns_jobs_first_in_first_out_and_frees_their_slots()
    {
        var queue = Queue(2);
        Job a = NewJob(), b = NewJob();
        Assert.True(queue.TryEnqueueAsync(a).Result);
        Assert.True(queue.TryEnqueueAsync(b).Result);
        Assert.Same(a, queue.Take(CancellationToken.None));
        Assert.Equal(1, queue.PositionOfAsync(b).Result);
        Assert.True(queue.TryEnqueueAsync(NewJob()).Result);
        Assert.False(queue.TryEnqueueAsync(NewJob()).Result);
        Assert.Same(b, queue.Take(CancellationToken.None));
    }

    [Fact]
    public void A_capacity_of_one_admits_one()
    {
        var queue = Queue(1);
        Assert.True(queue.TryEnqueueAsync(NewJob()).Result);
        Assert.False(queue.TryEnqueueAsync(NewJob()).Result);
        Assert.Equal(1, queue.CountAsync().Result);
    }

    /// <summary>Many threads released together race for the slots: exactly capacity of them win, each job at most once.</summary>
    [Fact]
    public void Concurrent_submits_never_exceed_capacity()
    {
        const int capacity = 8, threads = 16, perThread = 8;
        for (var round = 0; round < 20; round++)
        {
            var queue = Queue(capacity);
            using var start = new Barrier(threads);
            var admitted = 0;
            var maxSeen = 0;
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < perThread; i++)
                {
                    if (queue.TryEnqueueAsync(NewJob()).Result) Interlocked.Increment(ref admitted);
                    var count = queue.CountAsync().Result;
                    int seen;
                    while ((seen = Volatile.Read(ref maxSeen)) < count && Interlocked.CompareExchange(ref maxSeen, count, seen) != seen) { }
                }
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            Assert.Equal(capacity, admitted);
            Assert.Equal(capacity, queue.CountAsync().Result);
            Assert.True(maxSeen <= capacity, $"round {round}: the queue held {maxSeen} jobs, capacity {capacity}");
        }
    }
}
