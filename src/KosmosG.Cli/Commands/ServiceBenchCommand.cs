using System.Diagnostics;
using System.Net.Http.Json;
using KosmosG.Cli.Terminal;
using KosmosG.Pipelines;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `kosmosg bench service`: a load generator against a running service (concurrency, p50/p95 latency, throughput),
/// then the same requests on the same model called directly in this process, so the service's overhead is measured
/// in one run on one machine. Run the service with the same model and dtype; nothing else should load the machine.
/// </summary>
public static class ServiceBenchCommand
{
    public const string Usage =
        "kosmosg bench service --model DIR [--url http://localhost:5000] [--concurrency N] [--requests N] [--prompt TEXT]\n" +
        "                      [--steps N] [--width W] [--height H] [--dtype fp32|bf16|fp16]";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--model", "--url", "--concurrency", "--requests", "--prompt", "--steps", "--width", "--height", "--dtype"]);
        var model = a.Required("--model");
        var url = new Uri(a.String("--url") ?? "http://localhost:5000");
        var concurrency = a.Int("--concurrency", 1, 256) ?? 4;
        var count = a.Int("--requests", 1, 100_000) ?? 20;
        var compute = ComputeOptions.Parse("cpu", a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32");

        using var pipeline = ImageGenerators.Load(model, compute);
        var defaults = pipeline.Info.Defaults;
        var requests = Enumerable.Range(0, count).Select(i => new GenerationRequest
        {
            Prompt = a.String("--prompt") ?? "a red circle on the left on a white background",
            Steps = a.Int("--steps", 1, 1000) ?? defaults.Steps,
            GuidanceScale = defaults.GuidanceScale,
            Scheduler = defaults.Scheduler,
            Width = a.Int("--width", 8, 8192) ?? defaults.Width,
            Height = a.Int("--height", 8, 8192) ?? defaults.Height,
            Seed = i,
        }).ToList();

        var served = RunService(url, requests, concurrency);
        var direct = RunDirect(pipeline, requests);

        Console.WriteLine($"model {pipeline.Info.Name} ({pipeline.Info.Kind}, {compute.DTypeName}), {count} requests of {requests[0].Steps} steps at {requests[0].Width}x{requests[0].Height}");
        Console.WriteLine($"service  concurrency {concurrency}: p50 {served.P50:F0} ms, p95 {served.P95:F0} ms, {served.Throughput:F2} images/s, {served.Failures} failed");
        Console.WriteLine($"direct   sequential:    p50 {direct.P50:F0} ms, p95 {direct.P95:F0} ms, {direct.Throughput:F2} images/s");
        Console.WriteLine($"overhead: {(direct.Throughput / served.Throughput - 1) * 100:F1}% throughput (one worker per device: the service is as fast as the direct loop when this is ~0)");
        return served.Failures == 0 ? 0 : 1;
    }

    sealed record Measurement(double P50, double P95, double Throughput, int Failures);

    static Measurement RunService(Uri url, IReadOnlyList<GenerationRequest> requests, int concurrency)
    {
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromHours(1) };
        var latencies = new List<double>();
        var failures = 0;
        var total = Stopwatch.StartNew();
        Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (r, ct) =>
        {
            var watch = Stopwatch.StartNew();
            using var message = new HttpRequestMessage(HttpMethod.Post, "/v1/generations")
            {
                Content = JsonContent.Create(new { prompt = r.Prompt, steps = r.Steps, guidance_scale = r.GuidanceScale, scheduler = r.Scheduler, width = r.Width, height = r.Height, seed = r.Seed }),
            };
            message.Headers.Add("Accept", "image/png");
            using var response = await http.SendAsync(message, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            lock (latencies)
            {
                if (response.IsSuccessStatusCode) latencies.Add(watch.Elapsed.TotalMilliseconds);
                else failures++;
            }
        }).GetAwaiter().GetResult();
        return Summarise(latencies, total.Elapsed, failures);
    }

    static Measurement RunDirect(DiffusionPipeline pipeline, IReadOnlyList<GenerationRequest> requests)
    {
        pipeline.Generate(requests[0], new GenerationCallbacks(), CancellationToken.None); // warm-up, as the service's workers do
        var latencies = new List<double>();
        var total = Stopwatch.StartNew();
        foreach (var request in requests)
        {
            var watch = Stopwatch.StartNew();
            pipeline.Generate(request, new GenerationCallbacks(), CancellationToken.None);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Summarise(latencies, total.Elapsed, 0);
    }

    static Measurement Summarise(List<double> latencies, TimeSpan elapsed, int failures)
    {
        if (latencies.Count == 0) throw new InvalidOperationException("no request succeeded: is the service running at that address?");
        latencies.Sort();
        double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        return new Measurement(Percentile(0.5), Percentile(0.95), latencies.Count / elapsed.TotalSeconds, failures);
    }
}
