using System.Net;
using System.Net.Sockets;

namespace KosmosG.Service.Tests.Support;

/// <summary>
/// A loopback TCP relay in front of Redis for one service host: <see cref="Cut"/> closes every connection and refuses
/// new ones, so to Redis and the other replicas that host is dead (as after kill -9), while its process goes on.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly int _target;
    readonly List<TcpClient> _open = [];
    readonly CancellationTokenSource _cut = new();

    public TcpRelay(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public string ConnectionString => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    async Task AcceptAsync()
    {
        while (!_cut.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_cut.Token); }
            catch (Exception) { return; }
            var server = new TcpClient();
            await server.ConnectAsync(IPAddress.Loopback, _target);
            lock (_open) _open.AddRange([client, server]);
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try { await from.GetStream().CopyToAsync(to.GetStream(), _cut.Token); }
        catch (Exception) { }
        from.Close();
        to.Close();
    }

    public void Cut()
    {
        _cut.Cancel();
        _listener.Stop();
        lock (_open)
            foreach (var client in _open) client.Close();
    }

    public void Dispose() => Cut();
}
