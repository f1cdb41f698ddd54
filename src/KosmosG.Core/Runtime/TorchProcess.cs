using System.Runtime.InteropServices;

namespace KosmosG.Runtime;

/// <summary>Process-wide settings that must be in place before libtorch loads.</summary>
public static partial class TorchProcess
{
    /// <summary>
    /// libgomp's spinning worker threads made about one 2-thread run in four 7-20x slower on this machine kind;
    /// OMP_WAIT_POLICY=PASSIVE avoids it. libgomp reads the real process environment when it loads, and .NET's
    /// Environment.SetEnvironmentVariable does not write that on Unix, hence setenv. A user's own value wins.
    /// </summary>
    public static void Prepare()
    {
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
        if (!OperatingSystem.IsWindows()) setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
