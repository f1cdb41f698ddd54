using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>Admission's early check: a full queue refuses before the body is read, so even a bad body gets 429.</summary>
public sealed class AdmissionTests
{
    [Fact]
    public async Task A_full_queue_refuses_before_the_body_is_validated()
    {
        await using var factory = new ServiceFactory(f =>
        {
            f["Queue:Capacity"] = "1";
            f.Generator.StepDelay = TimeSpan.FromMilliseconds(50);
        });
        var client = await factory.ReadyClientAsync();
        var running = await client.SubmitAsyncJob(new { prompt = "a", steps = 40 });
        await Wait.UntilAsync(async () => (string?)(await client.JobAsync(running))["state"] == "running", "the first job to start");
        var waiting = await client.SubmitAsyncJob(new { prompt = "b", steps = 40 });

        var refused = await client.SendAsync(Call.Generation(new { prompt = "c", steps = -5 }));
        await refused.AssertProblemAsync(429, code: "queue_full");
        Assert.True(refused.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));

        foreach (var id in new[] { waiting, running }) await client.PostAsync($"/v1/jobs/{id}/cancel", null);
    }
}
