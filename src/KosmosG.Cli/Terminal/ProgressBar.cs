using System.Diagnostics;

namespace KosmosG.Cli.Terminal;

/// <summary>A one-line progress bar on stderr (redrawn in place on a terminal, one final line otherwise).</summary>
public sealed class ProgressBar(string label)
{
    const int Width = 30;
    readonly Stopwatch _watch = Stopwatch.StartNew();
    readonly bool _interactive = !Console.IsErrorRedirected;

    public void Report(int done, int total)
    {
        if (!_interactive && done < total) return;
        var filled = total == 0 ? Width : done * Width / total;
        var rate = done / Math.Max(_watch.Elapsed.TotalSeconds, 1e-9);
        var eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        var line = $"{label} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total}  {rate:F2} it/s  ETA {eta:mm\\:ss}";
        Console.Error.Write(_interactive ? "\r" + line + (done == total ? "\n" : "") : line + "\n");
    }
}
