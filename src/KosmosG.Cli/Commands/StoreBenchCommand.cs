using System.Diagnostics;
using System.Net.Http.Json;
using KosmosG.Cli.Terminal;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `kosmosg bench stores`: the per-job latency one service adds over another running the same model, e.g. the Redis
/// job store against the in-process one. Synchronous image/png requests, one at a time, in rounds: each round sends
/// its requests to one service then the other, the order alternating round by round, so load that drifts over the
/// run weighs on both alike. Reports each service's median latency and the per-round ratio of medians (median and
/// range): the spread says how much of the difference the machine's noise can explain.
/// </summary>
public static class StoreBenchCommand
{
    public const string Usage =
        "kosmosg bench stores --base URL --other URL [--rounds R] [--requests N] [--prompt TEXT] [--steps N] [--seed S]";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--base", "--other", "--rounds", "--requests", "--prompt", "--steps", "--seed"]);
        var urls = new[] { new Uri(a.Required("--base")), new Uri(a.Required("--other")) };
        var rounds = a.Int("--rounds", 2, 1000) ?? 6;
        var perRound = a.Int("--requests", 1, 10_000) ?? 10;
        var prompt = a.String("--prompt") ?? "a red circle on the left on a white background";
        var steps = a.Int("--steps", 1, 1000);
        var seed = a.Long("--seed") ?? 1;

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        var latencies = new[] { new List<double>(), new List<double>() };
        var ratios = new List<double>();
        foreach (var url in urls) Time(http, url, prompt, steps, seed); // one request each before timing: JIT, connections
        for (var round = 0; round < rounds; round++)
        {
            var medians = new double[2];
            foreach (var s in round % 2 == 0 ? new[] { 0, 1 } : [1, 0])
            {
                var times = Enumerable.Range(0, perRound).Select(_ => Time(http, urls[s], prompt, steps, seed)).ToList();
                latencies[s].AddRange(times);
                medians[s] = Median(times);
            }
            ratios.Add(medians[1] / medians[0]);
            Console.Error.WriteLine($"round {round + 1}/{rounds}: base {medians[0]:F0} ms, other {medians[1]:F0} ms ({Percent(ratios[^1])})");
        }

        for (var s = 0; s < 2; s++)
        {
            var sorted = latencies[s].Order().ToList();
            Console.WriteLine($"{(s == 0 ? "base " : "other")} {urls[s]}: median {Median(sorted):F0} ms " +
                              $"(quartiles {sorted[sorted.Count / 4]:F0}-{sorted[sorted.Count * 3 / 4]:F0} ms), {sorted.Count} requests");
        }
        Console.WriteLine($"other against base, per round: median {Percent(Median(ratios))} (range {Percent(ratios.Min())} .. {Percent(ratios.Max())}, {rounds} rounds of {perRound})");
        return 0;
    }

    /// <summary>Milliseconds of one synchronous generation, answer read in full; a failure stops the benchmark.</summary>
    static double Time(HttpClient http, Uri url, string prompt, int? steps, long seed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/v1/generations"))
        {
            Content = JsonContent.Create(new Dictionary<string, object?> { ["prompt"] = prompt, ["steps"] = steps, ["seed"] = seed }
                .Where(p => p.Value is not null).ToDictionary()),
        };
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

    static string Percent(double ratio) => $"{(ratio - 1) * 100:+0.0;-0.0}%";
}
