using KosmosG.Runtime;
using KosmosG.Service.Api;
using KosmosG.Service.Api.Responses;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using KosmosG.Service.Queue;
using KosmosG.Service.Security;
using KosmosG.Service.Workers;

TorchProcess.Prepare();
var builder = WebApplication.CreateBuilder(args);
builder.Services
    .AddKosmosGOptions(builder.Configuration)
    .AddKosmosGObservability()
    .AddKosmosGQueue()
    .AddKosmosGWorkers()
    .AddKosmosGSecurity()
    .AddKosmosGApi();
builder.Services.AddSingleton<ImageGeneratorLoader>((path, device, dtype, adapters) =>
    KosmosG.Pipelines.ImageGenerators.Load(path, KosmosG.Pipelines.ComputeOptions.Parse(device, dtype), new KosmosG.Pipelines.ModelLoadOptions { Adapters = adapters }));

var app = builder.Build();
app.UseConnectionOrigin();
app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseProblemStatusCodePages();
// The playground page (wwwroot/index.html at /): public, like /swagger; its API calls carry the key.
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapOpenApi();
app.UseSwaggerUI(ui => ui.SwaggerEndpoint("/openapi/v1.json", "KosmosG.Service v1"));
app.MapPrometheusScrapingEndpoint();
app.MapHealth();
app.MapGenerations();
app.MapOpenAiImages();
app.MapJobs();
app.MapModels();
app.MapAdapters();

var workers = app.Services.GetRequiredService<WorkerPool>();
try
{
    app.Run();
}
catch (OperationCanceledException) when (workers.HasFatalFailure)
{
    // A worker could not load its model and stopped the host while it was still starting; the reason is logged.
}
return workers.HasFatalFailure ? 1 : 0;

/// <summary>The entry point (public for WebApplicationFactory in the tests).</summary>
public partial class Program;
