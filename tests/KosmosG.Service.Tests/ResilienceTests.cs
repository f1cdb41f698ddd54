using KosmosG.Service.Queue;
using KosmosG.Service.Workers;
using KosmosG.Service.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KosmosG.Service.Tests;

/// <summary>A failing generation fails alone, transient device errors are retried, and a repeatedly failing worker
/// leaves readiness until its circuit half-opens.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task A_failing_job_fails_clearly_and_the_next_one_succeeds()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();

        var failed = await client.SendAsync(Call.Generation(new { prompt = "[fail]" }));
        var problem = await failed.AssertProblemAsync(500, code: "generation_failed");
        Assert.Contains("injected failure", (string)problem["detail"]!);

        Assert.Equal(200, (int)(await client.SendAsync(Call.Generation(new { prompt = "fine" }))).StatusCode);
        Assert.Equal(200, (int)(await client.GetAsync("/health/ready")).StatusCode);
        Assert.Contains("kosmosg_failures_total", await client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task A_transient_device_error_is_retried_but_a_persistent_one_fails()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();
        var before = factory.Generators.Single.Generations;

        Assert.Equal(200, (int)(await client.SendAsync(Call.Generation(new { prompt = "[oom-once]" }))).StatusCode);
        Assert.Equal(before + 2, factory.Generators.Single.Generations);

        var oom = await client.SendAsync(Call.Generation(new { prompt = "[oom]" }));
        var problem = await oom.AssertProblemAsync(500, code: "generation_failed");
        Assert.Contains("out of memory", (string)problem["detail"]!);
        Assert.Equal(before + 4, factory.Generators.Single.Generations);
    }

    [Fact]
    public async Task Repeated_failures_open_the_circuit_and_take_the_worker_out_of_readiness_for_a_while()
    {
        await using var factory = new ServiceFactory(f =>
        {
            f["Resilience:BreakerMinimumThroughput"] = "2";
            f["Resilience:BreakerFailureRatio"] = "1";
            f["Resilience:BreakerBreakSeconds"] = "1";
        });
        var client = await factory.ReadyClientAsync();
        for (var i = 0; i < 2; i++)
            await (await client.SendAsync(Call.Generation(new { prompt = "[fail]" }))).AssertProblemAsync(500);

        Assert.Equal(503, (int)(await client.GetAsync("/health/ready")).StatusCode);
        await (await client.SendAsync(Call.Generation(new { prompt = "fine" }))).AssertProblemAsync(503, code: "not_ready");

        await factory.ReadyClientAsync();
        Assert.Equal(200, (int)(await client.SendAsync(Call.Generation(new { prompt = "fine" }))).StatusCode);
    }

    /// <summary>The worker waits for the end of an open circuit's pause measured from one instant: a pause that ends
    /// while it looks is null at that instant, never a negative wait (which once crashed the worker thread).</summary>
    [Fact]
    public void An_open_circuit_reports_its_pause_only_while_it_lasts()
    {
        var resilience = new GenerationResilience(new KosmosG.Service.Options.ResilienceOptions
        {
            BreakerMinimumThroughput = 2, BreakerFailureRatio = 1, BreakerBreakSeconds = 1, TransientRetries = 0,
        });
        Assert.Null(resilience.OpenAt(DateTimeOffset.UtcNow));
        var before = DateTimeOffset.UtcNow;
        for (var i = 0; i < 2; i++)
        {
            var job = new Job(new KosmosG.Pipelines.GenerationRequest { Prompt = "a cat" }, TimeSpan.FromMinutes(1));
            Assert.Throws<InvalidOperationException>(() => resilience.Execute(job, _ => throw new InvalidOperationException("the device failed")));
        }
        var until = Assert.NotNull(resilience.OpenAt(before));
        Assert.InRange(until - before, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Null(resilience.OpenAt(until));
        Assert.Null(resilience.OpenAt(until + TimeSpan.FromMilliseconds(21)));
    }

    [Fact]
    public async Task A_model_that_cannot_load_stops_the_application_naming_the_failure()
    {
        await using var factory = new ServiceFactory(f => f.Generator.LoadFailure = new FileNotFoundException("unet/model.safetensors is missing"));
        var pool = factory.Services.GetRequiredService<WorkerPool>();
        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        factory.Generator.FailLoad.Set();
        await Wait.UntilAsync(() => lifetime.ApplicationStopping.IsCancellationRequested, "the application to stop");
        Assert.True(pool.HasFatalFailure);
        Assert.False(pool.IsReady);
        Assert.Contains("unet/model.safetensors is missing", pool.Workers.Single().FaultMessage);
    }
}
