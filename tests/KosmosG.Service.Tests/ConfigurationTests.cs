using KosmosG.Pipelines;
using KosmosG.Service.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>A bad configuration value stops start-up with a message naming the key.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Model:DType", "fp64", "KosmosG:Model:DType")]
    [InlineData("Queue:Capacity", "0", "KosmosG:Queue:Capacity")]
    [InlineData("Workers:Devices:0", "tpu", "KosmosG:Workers:Devices:0")]
    [InlineData("Limits:MaxSize", "1020", "KosmosG:Limits:MaxSize")]
    [InlineData("Auth:Keys:0:Sha256", "not-a-hash", "KosmosG:Auth:Keys:0")]
    [InlineData("Deadline:DefaultSeconds", "5000", "KosmosG:Deadline:DefaultSeconds")]
    [InlineData("Adapters:LoraCacheSize", "0", "KosmosG:Adapters:LoraCacheSize")]
    [InlineData("Adapters:MaxControlNets", "-1", "KosmosG:Adapters:MaxControlNets")]
    [InlineData("Jobs:ResultsFolder", "/tmp/results", "KosmosG:Jobs:ResultsFolder")]
    public void A_bad_value_stops_start_up_naming_the_key(string key, string value, string named)
    {
        using var factory = new ServiceFactory(f => f[key] = value);
        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Without_a_configured_model_the_built_in_demo_model_is_served()
    {
        using var factory = new ServiceFactory(f => f["Model:Path"] = "");
        var options = factory.Services.GetRequiredService<IOptions<KosmosGOptions>>().Value;
        Assert.Equal(Path.GetFullPath(Path.Combine(RepositoryRoot(), BuiltInModel.RelativePath)), Path.GetFullPath(options.Model.Path));
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "KosmosG.Service.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task Finished_jobs_beyond_the_count_cap_are_removed_oldest_first()
    {
        await using var factory = new ServiceFactory(f => f["Jobs:MaxRetained"] = "2");
        var client = await factory.ReadyClientAsync();
        var ids = new List<string>();
        foreach (var prompt in new[] { "a", "b", "c" })
        {
            var id = await client.SubmitAsyncJob(new { prompt, steps = 1 });
            await client.FinishedJobAsync(id);
            ids.Add(id);
        }
        await Wait.UntilAsync(async () => (int)(await client.GetAsync($"/v1/jobs/{ids[0]}")).StatusCode == 404, "the oldest job to go", 2);
        Assert.Equal(200, (int)(await client.GetAsync($"/v1/jobs/{ids[1]}")).StatusCode);
        Assert.Equal(200, (int)(await client.GetAsync($"/v1/jobs/{ids[2]}")).StatusCode);
    }

    [Fact]
    public async Task Finished_jobs_are_removed_after_the_retention_time()
    {
        await using var factory = new ServiceFactory(f => f["Jobs:RetentionSeconds"] = "0.5");
        var client = await factory.ReadyClientAsync();
        var id = await client.SubmitAsyncJob(new { prompt = "a", steps = 1 });
        await client.FinishedJobAsync(id);
        Assert.Equal(200, (int)(await client.GetAsync($"/v1/jobs/{id}/images/0")).StatusCode);
        await Wait.UntilAsync(async () => (int)(await client.GetAsync($"/v1/jobs/{id}")).StatusCode == 404, "the job to expire", 4);
    }
}
