using System.Diagnostics;

namespace KosmosG.Service.Tests.Support;

/// <summary>
/// The built service (KosmosG.Service.dll through `dotnet`) as a child process on a free loopback port, configured
/// by environment variables like a container. <see cref="Kill"/> is SIGKILL: no drain, no lease hand-back, nothing
/// written on the way out, as when a node or a container runtime kills a replica.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    readonly Process _process;
    readonly Queue<string> _output = new();

    public ServiceProcess(IReadOnlyDictionary<string, string> settings)
    {
        Port = RedisServer.FreePort();
        var start = new ProcessStartInfo("dotnet", ["exec", ServiceDll])
        {
            WorkingDirectory = Path.GetDirectoryName(ServiceDll)!,
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString();
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        foreach (var (key, value) in settings) start.Environment["KosmosG__" + key.Replace(":", "__")] = value;
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>The service's own build output: the same configuration (Debug/Release) as this test assembly.</summary>
    static string ServiceDll
    {
        get
        {
            var testProject = Path.Combine(RepoRoot.Path, "tests", "KosmosG.Service.Tests");
            var output = Path.GetRelativePath(testProject, AppContext.BaseDirectory);
            var dll = Path.Combine(RepoRoot.Path, "src", "KosmosG.Service", output, "KosmosG.Service.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/KosmosG.Service first", dll);
        }
    }

    /// <summary>A client once /health/ready says 200 (the model loaded and warmed up).</summary>
    public async Task<HttpClient> ReadyClientAsync(double seconds = 180)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await Wait.UntilAsync(async () =>
            {
                if (_process.HasExited) throw new InvalidOperationException($"The service exited ({_process.ExitCode}):\n{Output}");
                try { return (await client.GetAsync("/health/ready")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
            }, "the service process to become ready", seconds);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + ":\n" + Output, e);
        }
        return client;
    }

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the service wrote (for a failure's message).</summary>
    public string Output
    {
        get { lock (_output) return string.Join("\n", _output); }
    }

    void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 40) _output.Dequeue();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
