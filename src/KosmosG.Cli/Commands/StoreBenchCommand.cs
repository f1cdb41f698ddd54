using System.Diagnostics;
using System.Net.Http.Json;
using KosmosG.Cli.Terminal;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `kosmosg bench stores`: the per-job latency one service adds over another running the same model, e.g. the Redis
/// job store against the in-process one. Synchronous image/png requests, one at a time, in pairs: one request to each
/// service, back to back, the order alternating pair by pair, so load that drifts on a shared machine weighs on both
/// alike. The figure is the median of the pairs' latency ratios, with a distribution-free 95% confidence interval
/// (order statistics of the ratios): the interval says how much of the difference the machine's noise can explain.
/// </summary>
public static class StoreBenchCommand
{
    public const string Usage =
        "kosmosg bench stores --base URL --other URL [--pairs N] [--prompt TEXT] [--steps N] [--seed S]";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--base", "--other", "--pairs", "--prompt", "--steps", "--seed"]);
        var urls = new[] { new Uri(a.Required("--base")), new Uri(a.Required("--other")) };
        var pairs = a.Int("--pairs", 10, 100_000) ?? 100;
        var prompt = a.String("--prompt") ?? "a red circle on the left on a white background";
        var steps = a.Int("--steps", 1, 1000);
        var seed = a.Long("--seed") ?? 1;

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        var latencies = new[] { new List<double>(), new List<double>() };
        var ratios = new List<double>();
        foreach (var url in urls) Time(http, url, prompt, steps, seed); // one request each before timing: JIT, connections
        for (var pair = 0; pair < pairs; pair++)
        {
            var ms = new double[2];
            foreach (var s in pair % 2 == 0 ? new[] { 0, 1 } : [1, 0]) ms[s] = Time(http, urls[s], prompt, steps, seed);
            latencies[0].Add(ms[0]);
            latencies[1].Add(ms[1]);
            ratios.Add(ms[1] / ms[0]);
            if ((pair + 1) % 10 == 0) Console.Error.WriteLine($"{pair + 1}/{pairs} pairs: median ratio so far {Percent(Median(ratios))}");
        }

        for (var s = 0; s < 2; s++)
        {
            var sorted = latencies[s].Order().ToList();
            Console.WriteLine($"{(s == 0 ? "base " : "other")} {urls[s]}: median {Median(sorted):F0} ms " +
                              $"(quartiles {sorted[sorted.Count / 4]:F0}-{sorted[sorted.Count * 3 / 4]:F0} ms), {sorted.Count} requests");
        }
        var (low, high) = MedianInterval(ratios);
        Console.WriteLine($"other against base: median of {pairs} paired ratios {Percent(Median(ratios))} " +
                          $"(95% CI {Percent(low)} .. {Percent(high)}; ratio of the medians {Percent(Median(latencies[1]) / Median(latencies[0]))})");
        return 0;
    }

    /// <summary>Milliseconds of one synchronous generation, answer read in full; a failure stops the benchmark.</summary>
    static double Time(HttpClient http, Uri url, string prompt, int? steps, long seed)
    {
        var body = new Dictionary<string, object> { ["prompt"] = prompt, ["seed"] = seed };
        if (steps is { } n) body["steps"] = n;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/v1/generations")) { Content = JsonContent.Create(body) };
        request.Headers.Add("Accept", "image/png");
        var watch = Stopwatch.StartNew();
        using var response = http.Send(request);
        response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        var ms = watch.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{url}: HTTP {(int)response.StatusCode}");
        return ms;
    }

    static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The median's 95% interval without assuming a distribution: the order statistics n/2 -+ 0.98 sqrt(n)
    /// (the normal approximation of the binomial count of values below the median).</summary>
    static (double Low, double High) MedianInterval(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToList();
        var k = Math.Max(0, (int)Math.Floor(sorted.Count / 2.0 - 0.98 * Math.Sqrt(sorted.Count)));
        return (sorted[k], sorted[sorted.Count - 1 - k]);
    }

    static string Percent(double ratio) => $"{(ratio - 1) * 100:+0.0;-0.0}%";
}
