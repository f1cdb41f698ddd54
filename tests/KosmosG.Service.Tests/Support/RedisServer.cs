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
        Port = FreePort();
        Start();
    }

    public int Port { get; }
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
        while (!Answers())
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

    bool Answers()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[7];
            return stream.Read(buffer) > 0 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
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
