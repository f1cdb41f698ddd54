using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using KosmosG.Service.Queue;
using KosmosG.Service.Workers;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>Graceful shutdown: admission closes (503 + Retry-After), readiness fails, in-flight work finishes or is cancelled
/// when KosmosG:Shutdown:DrainSeconds is over, then the host stops.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Draining_refuses_new_work_and_lets_running_jobs_finish()
    {
        var factory = new ServiceFactory(f =>
        {
            f["Shutdown:DrainSeconds"] = "10";
            f.Generator.StepDelay = TimeSpan.FromMilliseconds(30);
        });
        var client = await factory.ReadyClientAsync();
        var running = await client.SubmitAsyncJob(new { prompt = "finish me", steps = 15 });
        var queued = await client.SubmitAsyncJob(new { prompt = "and me", steps = 5 });
        await Wait.UntilAsync(async () => (string?)(await client.JobAsync(running))["state"] == "running", "the job to start");

        // What SIGTERM (ApplicationStopping) starts; called directly because stopping the host would also stop the
        // test server, and requests arriving while draining are what this test is about.
        factory.Services.GetRequiredService<WorkerPool>().BeginDrain();

        var refused = await client.SendAsync(Call.Generation(new { prompt = "too late" }));
        await refused.AssertProblemAsync(503, code: "draining");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(503, (int)(await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(200, (int)(await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal("succeeded", (string?)(await client.FinishedJobAsync(running))["state"]);
        Assert.Equal("succeeded", (string?)(await client.FinishedJobAsync(queued))["state"]);

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await factory.DisposeAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
        Assert.True(factory.Generators.Single.Disposed);
    }

    [Fact]
    public async Task Work_left_when_the_drain_time_is_over_is_cancelled_as_shutdown()
    {
        await using var factory = new ServiceFactory(f =>
        {
            f["Shutdown:DrainSeconds"] = "0.3";
            f.Generator.StepDelay = TimeSpan.FromMilliseconds(50);
        });
        var client = await factory.ReadyClientAsync();
        var sync = client.SendAsync(Call.Generation(new { prompt = "never finishes", steps = 100 }));
        await Wait.UntilAsync(() => factory.Generators.Steps > 2, "the job to run");
        var queued = await client.SubmitAsyncJob(new { prompt = "waits", steps = 100 });

        var draining = System.Diagnostics.Stopwatch.StartNew();
        factory.Services.GetRequiredService<WorkerPool>().BeginDrain();
        await (await sync).AssertProblemAsync(503, code: "shutdown");
        Assert.True(draining.Elapsed < TimeSpan.FromSeconds(2), $"the drain took {draining.Elapsed}");
        Assert.Equal("shutdown", (string?)(await client.FinishedJobAsync(queued))["error"]!["type"]);
    }

    [Fact]
    public async Task Stopping_the_host_drains_cancels_the_rest_and_releases_the_models()
    {
        var factory = new ServiceFactory(f =>
        {
            f["Shutdown:DrainSeconds"] = "0.3";
            f.Generator.StepDelay = TimeSpan.FromMilliseconds(50);
        });
        var client = await factory.ReadyClientAsync();
        var id = await client.SubmitAsyncJob(new { prompt = "long", steps = 100 });
        await Wait.UntilAsync(() => factory.Generators.Steps > 2, "the job to run");
        var pool = factory.Services.GetRequiredService<WorkerPool>();
        var job = (await factory.Services.GetRequiredService<IJobStore>().FindAsync(id))!;

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        Assert.True(pool.IsDraining);
        await job.Finished.WaitAsync(TimeSpan.FromSeconds(3));
        Assert.Equal(JobErrorTypes.Shutdown, job.Error!.Value.Type);
        await Wait.UntilAsync(() => factory.Generators.Single.Disposed, "the worker to release its model", 5);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
        await factory.DisposeAsync();
    }
}
