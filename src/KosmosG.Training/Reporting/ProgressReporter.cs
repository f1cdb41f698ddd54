using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace KosmosG.Training.Reporting;

/// <summary>
/// Terminal progress (step, loss, learning rate, throughput, ETA) and a JSONL metrics log (one object per
/// report: "kind" = train | eval | checkpoint, the step and every metric), appended so resumed runs continue it.
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    readonly TextWriter _console;
    readonly StreamWriter? _log;
    readonly long _totalSteps;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    long _startStep = -1;
    long _samplesSinceStart;

    public ProgressReporter(TextWriter console, string? metricsPath, long totalSteps)
    {
        _console = console;
        _totalSteps = totalSteps;
        if (metricsPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(metricsPath))!);
            _log = new StreamWriter(metricsPath, append: true) { AutoFlush = true };
        }
    }

    /// <summary>Call once per update with the samples it consumed; prints and logs when <paramref name="print"/>.</summary>
    public void Train(long step, int samples, IReadOnlyDictionary<string, double> metrics, bool print)
    {
        if (_startStep < 0) _startStep = step - 1;
        _samplesSinceStart += samples;
        var seconds = _clock.Elapsed.TotalSeconds;
        var done = step - _startStep;
        var throughput = seconds > 0 ? _samplesSinceStart / seconds : 0;
        var eta = done > 0 ? TimeSpan.FromSeconds(seconds / done * (_totalSteps - step)) : TimeSpan.Zero;
        var all = new Dictionary<string, double>(metrics) { ["samples_per_sec"] = throughput, ["elapsed_sec"] = seconds };
        Log("train", step, all);
        if (!print) return;
        var extras = string.Join(" | ", metrics.Where(m => m.Key is not ("loss" or "lr")).Select(m => $"{m.Key} {Format(m.Value)}"));
        _console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {step}/{_totalSteps} | loss {Format(metrics.GetValueOrDefault("loss"))} | lr {metrics.GetValueOrDefault("lr"):0.###e+0} | {throughput:0.##} samples/s | ETA {FormatDuration(eta)}{(extras.Length > 0 ? " | " + extras : "")}"));
    }

    public void Eval(long step, IReadOnlyDictionary<string, double> metrics)
    {
        Log("eval", step, metrics);
        _console.WriteLine($"eval @ step {step}: " + string.Join(" | ", metrics.Select(m => $"{m.Key} {Format(m.Value)}")));
    }

    public void Checkpoint(long step, string path)
    {
        Log("checkpoint", step, new Dictionary<string, double>(), path);
        _console.WriteLine($"saved checkpoint {path}");
    }

    public void Message(string text) => _console.WriteLine(text);

    void Log(string kind, long step, IReadOnlyDictionary<string, double> metrics, string? path = null)
    {
        if (_log is null) return;
        var record = new Dictionary<string, object> { ["kind"] = kind, ["step"] = step, ["time"] = DateTimeOffset.UtcNow.ToString("O") };
        foreach (var (k, v) in metrics) record[k] = double.IsFinite(v) ? v : v.ToString(CultureInfo.InvariantCulture);
        if (path is not null) record["path"] = path;
        _log.WriteLine(JsonSerializer.Serialize(record));
    }

    static string Format(double v) => v.ToString(Math.Abs(v) >= 1e-3 || v == 0 ? "0.00000" : "0.###e+0", CultureInfo.InvariantCulture);

    static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{t.Seconds}s";

    public void Dispose() => _log?.Dispose();
}
