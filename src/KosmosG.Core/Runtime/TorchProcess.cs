using System.Runtime.InteropServices;

namespace KosmosG.Runtime;

/// <summary>Process-wide settings that must be in place before libtorch loads.</summary>
public static partial class TorchProcess
{
    const int MallocTrimThreshold = -1; // glibc malloc.h M_TRIM_THRESHOLD
    const int MallocMmapThreshold = -3; // glibc malloc.h M_MMAP_THRESHOLD
    const int KeptHeapBytes = 1 << 30;

    /// <summary>
    /// libgomp's spinning worker threads made about one 2-thread run in four 7-20x slower on this machine kind;
    /// OMP_WAIT_POLICY=PASSIVE avoids it. libgomp reads the real process environment when it loads, and .NET's
    /// Environment.SetEnvironmentVariable does not write that on Unix, hence setenv. A user's own value wins.
    /// Then <see cref="KeepFreedTensorMemory"/>.
    /// </summary>
    public static void Prepare()
    {
        KeepFreedTensorMemory();
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
        if (!OperatingSystem.IsWindows()) setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    }

    /// <summary>
    /// glibc serves every allocation above its mmap threshold (dynamic, at most 32 MB) with fresh pages from the kernel
    /// and unmaps them on free, so each large activation was faulted in again page by page: a 512x512 VAE decode
    /// (tensors of 67-268 MB) took ~2.1 million minor page faults, and copying a 67 MB bf16 tensor cost 220 ms of CPU
    /// time instead of 4. Serving allocations up to 1 GB from the heap and keeping up to 1 GB of freed memory at its top
    /// lets the next tensor of that size reuse pages already mapped: the decode then took 0.25-0.3 million faults and
    /// about half the CPU time (README, Performance). Only the main heap grows that far; a thread with its own arena
    /// still maps blocks above 64 MB afresh. A user's MALLOC_* or GLIBC_TUNABLES setting wins, and a C library without
    /// mallopt is left alone.
    /// </summary>
    static void KeepFreedTensorMemory()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is not null
            || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null) return;
        try
        {
            mallopt(MallocMmapThreshold, KeptHeapBytes);
            mallopt(MallocTrimThreshold, KeptHeapBytes);
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc")]
    private static partial int mallopt(int param, int value);
}
