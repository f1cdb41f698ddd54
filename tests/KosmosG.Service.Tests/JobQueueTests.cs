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
    public async Task Holds_exactly_capacity_jobs_and_a_freed_slot_takes_one_more()
    {
        var queue = Queue(3);
        var jobs = Enumerable.Range(0, 3).Select(_ => NewJob()).ToList();
        foreach (var job in jobs) Assert.True(await queue.TryEnqueueAsync(job));
        Assert.Equal(queue.Capacity, await queue.CountAsync());
        Assert.False(await queue.TryEnqueueAsync(NewJob()));
        Assert.Equal(3, await queue.CountAsync());
        Assert.Equal(new[] { 1, 2, 3 }, await Positions(queue, jobs));

        // a waiting job that is cancelled leaves at once and the next one moves up
        jobs[0].Cancel("test");
        Assert.Equal(2, await queue.CountAsync());
        Assert.Equal(JobState.Cancelled, jobs[0].State);
        Assert.Equal(new[] { 0, 1, 2 }, await Positions(queue, jobs));
        Assert.True(await queue.TryEnqueueAsync(NewJob()));
        Assert.False(await queue.TryEnqueueAsync(NewJob()));
        Assert.Equal(3, await queue.CountAsync());
    }

    static Task<int[]> Positions(IJobQueue queue, IEnumerable<Job> jobs) => Task.WhenAll(jobs.Select(queue.PositionOfAsync));

    [Fact]
    public async Task Take_returns_jobs_first_in_first_out_and_frees_their_slots()
    {
        var queue = Queue(2);
        Job a = NewJob(), b = NewJob();
        Assert.True(await queue.TryEnqueueAsync(a));
        Assert.True(await queue.TryEnqueueAsync(b));
        Assert.Same(a, queue.Take(CancellationToken.None));
        Assert.Equal(1, await queue.PositionOfAsync(b));
        Assert.True(await queue.TryEnqueueAsync(NewJob()));
        Assert.False(await queue.TryEnqueueAsync(NewJob()));
        Assert.Same(b, queue.Take(CancellationToken.None));
    }

    [Fact]
    public async Task A_capacity_of_one_admits_one()
    {
        var queue = Queue(1);
        Assert.True(await queue.TryEnqueueAsync(NewJob()));
        Assert.False(await queue.TryEnqueueAsync(NewJob()));
        Assert.Equal(1, await queue.CountAsync());
    }

    /// <summary>Many threads released together race for the slots: exactly capacity of them win, each job at most once.</summary>
    [Fact]
    public async Task Concurrent_submits_never_exceed_capacity()
    {
        const int capacity = 8, threads = 16;
        for (var round = 0; round < 20; round++)
        {
            var queue = Queue(capacity);
            var race = new Race(queue, threads);
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(race.Submit)).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            Assert.Equal(capacity, race.Admitted);
            Assert.Equal(capacity, await queue.CountAsync());
            Assert.True(race.MaxSeen <= capacity, $"round {round}: the queue held {race.MaxSeen} jobs, capacity {capacity}");
        }
    }

    /// <summary>
    /// Dedicated threads (not pool tasks, which a 2-core pool would start one by one) released by a barrier; each
    /// blocks on the queue's calls, which is safe on a thread without a synchronization context.
    /// </summary>
    sealed class Race(IJobQueue queue, int threads)
    {
        const int PerThread = 8;
        readonly Barrier _start = new(threads);
        int _admitted, _maxSeen;
        public int Admitted => Volatile.Read(ref _admitted);
        public int MaxSeen => Volatile.Read(ref _maxSeen);

        public void Submit()
        {
            _start.SignalAndWait();
            for (var i = 0; i < PerThread; i++)
            {
                if (queue.TryEnqueueAsync(NewJob()).GetAwaiter().GetResult()) Interlocked.Increment(ref _admitted);
                var count = queue.CountAsync().GetAwaiter().GetResult();
                int seen;
                while ((seen = Volatile.Read(ref _maxSeen)) < count && Interlocked.CompareExchange(ref _maxSeen, count, seen) != seen) { }
            }
        }
    }
}
