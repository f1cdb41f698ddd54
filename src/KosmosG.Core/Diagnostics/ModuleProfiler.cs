using System.Diagnostics;
using static TorchSharp.torch;

namespace KosmosG.Diagnostics;

/// <summary>
/// Wall-clock time per module type (ResnetBlock2D, Attention, GroupNorm, Conv2d, Upsample2D, ...) while attached:
/// inclusive time and self time (inclusive minus the time of hooked children), so the self times of all types plus
/// the glue between modules add up to the whole forward. CPU kernels run synchronously, so wall clock is the cost.
/// </summary>
public sealed class ModuleProfiler : IDisposable
{
    public sealed record Entry(string Type, int Calls, double SelfSeconds, double InclusiveSeconds);

    readonly ModuleHooks _hooks;
    readonly Stack<(long Start, long Children)> _open = new();
    readonly Dictionary<string, (int Calls, long Self, long Inclusive)> _totals = [];

    public ModuleProfiler(nn.Module root) => _hooks = new ModuleHooks(root, _ => _open.Push((Stopwatch.GetTimestamp(), 0)), Close);

    void Close(nn.Module module)
    {
        var (start, children) = _open.Pop();
        var elapsed = Stopwatch.GetTimestamp() - start;
        if (_open.TryPop(out var parent)) _open.Push((parent.Start, parent.Children + elapsed));
        var type = module.GetType().Name;
        var (calls, self, inclusive) = _totals.GetValueOrDefault(type);
        _totals[type] = (calls + 1, self + elapsed - children, inclusive + elapsed);
    }

    /// <summary>Totals so far, largest self time first.</summary>
    public IReadOnlyList<Entry> Entries => _totals
        .Select(kv => new Entry(kv.Key, kv.Value.Calls, Seconds(kv.Value.Self), Seconds(kv.Value.Inclusive)))
        .OrderByDescending(e => e.SelfSeconds).ToList();

    public void Reset() => _totals.Clear();

    static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    public void Dispose() => _hooks.Dispose();
}
