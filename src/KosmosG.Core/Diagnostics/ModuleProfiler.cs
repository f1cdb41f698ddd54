using System.Diagnostics;
using static TorchSharp.torch;

namespace KosmosG.Diagnostics;

/// <summary>
/// Wall-clock time per module type (ResnetBlock2D, Attention, GroupNorm, Conv2d, Upsample2D, ...) while attached:
/// inclusive time and self time (inclusive minus the time of hooked children), so the self times of all types plus
/// the glue between modules add up to the whole forward. CPU kernels run synchronously, so wall clock is the cost on an
/// idle machine; on a shared one the CPU time (all threads of this process) is the figure that still measures the code.
/// </summary>
public sealed class ModuleProfiler : IDisposable
{
    public sealed record Entry(string Type, int Calls, double SelfSeconds, double InclusiveSeconds, double SelfCpuSeconds);

    readonly ModuleHooks _hooks;
    readonly Stack<(long Start, long Children, double CpuStart, double CpuChildren)> _open = new();
    readonly Dictionary<string, (int Calls, long Self, long Inclusive, double SelfCpu)> _totals = [];

    public ModuleProfiler(nn.Module root) => _hooks = new ModuleHooks(root, _ => _open.Push((Stopwatch.GetTimestamp(), 0, ProcessCpuTime.Seconds(), 0)), Close);

    void Close(nn.Module module)
    {
        var (start, children, cpuStart, cpuChildren) = _open.Pop();
        var elapsed = Stopwatch.GetTimestamp() - start;
        var cpu = ProcessCpuTime.Seconds() - cpuStart;
        if (_open.TryPop(out var parent)) _open.Push((parent.Start, parent.Children + elapsed, parent.CpuStart, parent.CpuChildren + cpu));
        var type = module.GetType().Name;
        var (calls, self, inclusive, selfCpu) = _totals.GetValueOrDefault(type);
        _totals[type] = (calls + 1, self + elapsed - children, inclusive + elapsed, selfCpu + cpu - cpuChildren);
    }

    /// <summary>Totals so far, largest self CPU time first.</summary>
    public IReadOnlyList<Entry> Entries => _totals
        .Select(kv => new Entry(kv.Key, kv.Value.Calls, Seconds(kv.Value.Self), Seconds(kv.Value.Inclusive), kv.Value.SelfCpu))
        .OrderByDescending(e => e.SelfCpuSeconds).ToList();

    public void Reset() => _totals.Clear();

    static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    public void Dispose() => _hooks.Dispose();
}
