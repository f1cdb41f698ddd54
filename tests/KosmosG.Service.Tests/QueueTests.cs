using System.Collections.Concurrent;
using System.Net.Http.Json;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>The bounded queue: 429 + Retry-After when full, visible positions, and no lost jobs under load.</summary>
public sealed class QueueTests
{
    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after_and_positions_are_visible()
    {
        await using var factory = new ServiceFactory(f =>
        {
            f["Queue:Capacity"] = "2";
            f.Generator.StepDelay = TimeSpan.FromMilliseconds(50);
        });
        var client = await factory.ReadyClientAsync();
        var running = await client.SubmitAsyncJob(new { prompt = "a", steps = 40 });
        await Wait.UntilAsync(async () => (string?)(await client.JobAsync(running))["state"] == "running", "the first job to start");
        var first = await client.SubmitAsyncJob(new { prompt = "b", steps = 40 });
        var second = await client.SubmitAsyncJob(new { prompt = "c", steps = 40 });
        Assert.Equal(1, (int)(await client.JobAsync(first))["queue_position"]!);
        Assert.Equal(2, (int)(await client.JobAsync(second))["queue_position"]!);

        var refused = await client.SendAsync(Call.Generation(new { prompt = "d" }));
        await refused.AssertProblemAsync(429, code: "queue_full");
        Assert.True(refused.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));

        // cancelling a waiting job frees its slot at once and moves the next one up
        await client.PostAsync($"/v1/jobs/{first}/cancel", null);
        Assert.Equal("cancelled", (string?)(await client.JobAsync(first))["state"]);
        Assert.Equal(1, (int)(await client.JobAsync(second))["queue_position"]!);
        var admitted = await client.SubmitAsyncJob(new { prompt = "e", steps = 1 });
        foreach (var id in new[] { running, second, admitted }) await client.PostAsync($"/v1/jobs/{id}/cancel", null);
    }

    [Fact]
    public async Task Forty_concurrent_clients_against_capacity_8_all_end_in_a_result_or_a_clear_rejection()
    {
        await using var factory = new ServiceFactory(f =>
        {
            f["Queue:Capacity"] = "8";
            f["Workers:Devices:0"] = "cpu";
            f["Workers:Devices:1"] = "cuda:1";
            f.Generator.StepDelay = TimeSpan.FromMilliseconds(10);
        });
        var client = await factory.ReadyClientAsync();
        var accepted = new ConcurrentBag<string>();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var response = await client.PostAsJsonAsync("/v1/generations", new { prompt = $"client {i}", seed = i, steps = 3 });
            if ((int)response.StatusCode == 429)
            {
                await response.AssertProblemAsync(429, code: "queue_full");
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                return 429;
            }
            Assert.Equal(200, (int)response.StatusCode);
            var body = await response.JsonAsync();
            accepted.Add((string)body["id"]!);
            var image = body["images"]![0]!;
            Assert.Equal(i, (long)image["seed"]!);
            Pngs.AssertImage(Convert.FromBase64String((string)image["png_base64"]!), 64, 64, i);
            return 200;
        }));

        Assert.Equal(40, outcomes.Length);
        Assert.All(outcomes, o => Assert.Contains(o, new[] { 200, 429 }));
        // At least the queue's capacity is admitted; the two jobs the workers hold add to it only when a worker took
        // its job before the burst filled the queue, which the 40 simultaneous requests race against.
        Assert.True(accepted.Count >= 8, $"only {accepted.Count} accepted: a queue of capacity 8 should admit at least 8");
        Assert.Equal(accepted.Count, accepted.Distinct().Count());
        // every accepted job ran exactly once (warm-ups aside) and is recorded as succeeded
        Assert.Equal(accepted.Count, factory.Generators.Decodes - factory.Generators.Created.Count);
        foreach (var id in accepted) Assert.Equal("succeeded", (string?)(await client.JobAsync(id))["state"]);
        Assert.Equal(2, factory.Generators.Created.Count);
        Assert.All(factory.Generators.Created, g => Assert.True(g.Generations > 1, "a worker served nothing"));
    }
}
