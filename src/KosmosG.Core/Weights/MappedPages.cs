using System.Runtime.InteropServices;

namespace KosmosG.Weights;

/// <summary>
/// Drops pages of a read-only file mapping from the process once their bytes were copied out. They stay in the page
/// cache, but no longer count as this process's resident memory: loading a multi-GB checkpoint then needs about the
/// model's size, not twice it.
/// </summary>
internal static partial class MappedPages
{
    const int MadviseDontNeed = 4;

    public static void Release(nint start, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        var page = Environment.SystemPageSize;
        var first = start - start % page;
        var end = start + (nint)length;
        // Best effort: a failure only means the pages stay resident until the file is closed.
        _ = madvise(first, (nuint)(end - first), MadviseDontNeed);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
