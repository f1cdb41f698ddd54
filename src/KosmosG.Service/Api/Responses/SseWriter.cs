using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>
/// Writes a job's events as Server-Sent Events ("id", "event" = the event name, "data" = its JSON), flushing each,
/// with a comment heartbeat while nothing happens (so proxies keep the connection), until the terminal event.
/// </summary>
public static class SseWriter
{
    static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static void Start(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    /// <summary>Writes events until the terminal one; the first gets id <paramref name="skipped"/> + 1 (ids are the
    /// events' positions in the job's log, so a client resuming with Last-Event-ID gets the ids it would have).</summary>
    public static async Task StreamAsync(HttpResponse response, ChannelReader<JobEvent> events, JsonSerializerOptions json, CancellationToken ct, int skipped = 0)
    {
        await response.Body.FlushAsync(ct);
        var id = skipped;
        Task<bool>? wait = null;
        while (true)
        {
            wait ??= events.WaitToReadAsync(ct).AsTask();
            if (await Task.WhenAny(wait, Task.Delay(Heartbeat, ct)) != wait)
            {
                await response.WriteAsync(": keep-alive\n\n", ct);
                await response.Body.FlushAsync(ct);
                continue;
            }
            if (!await wait) return;
            wait = null;
            while (events.TryRead(out var e))
            {
                var text = new StringBuilder()
                    .Append("id: ").Append(++id).Append('\n')
                    .Append("event: ").Append(e.Name).Append('\n')
                    .Append("data: ").Append(Data(e, json)).Append("\n\n");
                await response.WriteAsync(text.ToString(), ct);
                if (e.IsTerminal)
                {
                    await response.Body.FlushAsync(ct);
                    return;
                }
            }
            await response.Body.FlushAsync(ct);
        }
    }

    /// <summary>The event's JSON; images as base64.</summary>
    static string Data(JobEvent e, JsonSerializerOptions json) => e switch
    {
        ImageEvent i => JsonSerializer.Serialize(ImageView.Of(i.Image), json),
        PreviewEvent p => JsonSerializer.Serialize(new PreviewView(p.Step, Convert.ToBase64String(p.Png)), json),
        _ => JsonSerializer.Serialize(e, e.GetType(), json),
    };
}
