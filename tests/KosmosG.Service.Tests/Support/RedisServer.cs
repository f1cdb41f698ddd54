using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KosmosG.Service.Tests.Support;

/// <summary>
/// A real redis-server (the Debian package) of the test's own: a free loopback port, a temporary directory, no
/// persistence. <see cref="Stop"/> and <see cref="Start"/> restart it on the same port.
/// </summary>
public sealed class RedisServer : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("kosmosg-redis-").FullName;
    Process? _process;

    public RedisServer()
    {
        // A port found free can be taken before redis-server binds it (another test's server): then ours exits, and
        // another port is tried.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            try
            {
                Start();
                return;
            }
            catch (InvalidOperationException) when (attempt < 5 && _process is { HasExited: true }) { }
        }
    }

    public int Port { get; private set; }
    /// <summary>The connection string a service takes as KosmosG:Jobs:Redis.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public void Start()
    {
        _process = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _dir, "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server)");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var until = DateTime.UtcNow.AddSeconds(10);
        while (ServerProcessId() != _process.Id)
        {
            if (_process.HasExited || DateTime.UtcNow > until) throw new InvalidOperationException($"redis-server on port {Port} did not come up");
            Thread.Sleep(20);
        }
    }

    /// <summary>Kills the server (as a crash would).</summary>
    public void Stop()
    {
        if (_process is not { HasExited: false }) return;
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>The process id of the redis-server answering on the port (so a server of another test that took the
    /// port is never mistaken for ours), or null while none answers.</summary>
    int? ServerProcessId()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            stream.Write("INFO server\r\n"u8);
            var buffer = new byte[8192];
            var read = stream.Read(buffer);
            var info = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            var at = info.IndexOf("process_id:", StringComparison.Ordinal);
            if (at < 0) return null;
            var digits = info[(at + "process_id:".Length)..].TakeWhile(char.IsAsciiDigit).ToArray();
            return int.Parse(digits);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>A loopback port nobody listens on now.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
        Directory.Delete(_dir, true);
    }
}
