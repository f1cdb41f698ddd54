using System.Diagnostics;
using System.Runtime.InteropServices;

namespace KosmosG.Diagnostics;

/// <summary>
/// CPU seconds this process has used, all threads. On Linux one clock_gettime call, cheap enough to read around every
/// module call of a profile; elsewhere .NET's process counter.
/// </summary>
public static partial class ProcessCpuTime
{
    const int ClockProcessCpuTimeId = 2;

    [StructLayout(LayoutKind.Sequential)]
    struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    public static double Seconds()
    {
        if (OperatingSystem.IsLinux() && clock_gettime(ClockProcessCpuTimeId, out var now) == 0)
            return now.Seconds + now.Nanoseconds * 1e-9;
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, out Timespec time);
}
