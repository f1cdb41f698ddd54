using System.Net.Sockets;
using System.Text;

namespace KosmosG.Service.Tests.Support;

/// <summary>
/// Bytes straight onto a loopback socket, for requests HttpClient will not send (broken chunking, odd framing):
/// the service must run on Kestrel (<c>UseKestrel</c>) for these to reach its HTTP parser.
/// </summary>
public static class RawHttp
{
    public sealed record Response(int Status, string? ContentType, string Body);

    /// <summary>Sends <paramref name="head"/> (request line and headers, CRLF-separated, without the blank line) and body;
    /// reads the whole answer (the request asks for Connection: close; the socket is not half-closed, which Kestrel
    /// takes as an abort).</summary>
    public static async Task<Response> SendAsync(Uri server, string head, byte[] body, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, cts.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + "\r\nConnection: close\r\n\r\n"), cts.Token);
        await stream.WriteAsync(body, cts.Token);
        await stream.FlushAsync(cts.Token);
        using var all = new MemoryStream();
        try { await stream.CopyToAsync(all, cts.Token); }
        catch (IOException) { } // the server may reset after answering an unreadable body
        var text = Encoding.UTF8.GetString(all.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return new Response(0, null, text);
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1]);
        var type = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim().Split(';')[0]).FirstOrDefault();
        return new Response(status, type, text[(end + 4)..]);
    }

    public static string Post(Uri server, string path, string contentType, params string[] headers) =>
        string.Join("\r\n", [$"POST {path} HTTP/1.1", $"Host: {server.Authority}", $"Content-Type: {contentType}", .. headers]);
}
