using System.Text.Json;
using KosmosG.Imaging;
using KosmosG.Pipelines;
using StackExchange.Redis;

namespace KosmosG.Service.Queue.Redis;

/// <summary>A job's request (the record's JSON plus its decoded images) and its events as Redis stores them.</summary>
static class RedisCodec
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    public static string Request(GenerationRequest request) => JsonSerializer.Serialize(request, Json);

    public static string Images(GenerationRequest request) =>
        JsonSerializer.Serialize(request.Images.Select(i => new StoredImage(i.Width, i.Height, i.Pixels)).ToList(), Json);

    public static GenerationRequest Request(string request, string images) =>
        JsonSerializer.Deserialize<GenerationRequest>(request, Json)! with
        {
            Images = JsonSerializer.Deserialize<List<StoredImage>>(images, Json)!.Select(i => new RgbImage(i.Width, i.Height, i.Pixels)).ToList(),
        };

    public static string Data(JobEvent e) => JsonSerializer.Serialize(e, e.GetType(), Json);

    /// <summary>A stream entry back to the event and the time its runner wrote it.</summary>
    public static (JobEvent Event, DateTimeOffset At) Event(StreamEntry entry)
    {
        var data = (string)entry["d"]!;
        JobEvent e = (string?)entry["e"] switch
        {
            "queued" => JsonSerializer.Deserialize<QueuedEvent>(data, Json)!,
            "requeued" => JsonSerializer.Deserialize<RequeuedEvent>(data, Json)!,
            "started" => JsonSerializer.Deserialize<StartedEvent>(data, Json)!,
            "progress" => JsonSerializer.Deserialize<ProgressEvent>(data, Json)!,
            "preview" => JsonSerializer.Deserialize<PreviewEvent>(data, Json)!,
            "image" => JsonSerializer.Deserialize<ImageEvent>(data, Json)!,
            "completed" => JsonSerializer.Deserialize<CompletedEvent>(data, Json)!,
            var name => JsonSerializer.Deserialize<ErrorEvent>(data, Json) ?? throw new InvalidDataException($"Unknown job event '{name}'"),
        };
        return (e, DateTimeOffset.FromUnixTimeMilliseconds((long)entry["t"]));
    }

    sealed record StoredImage(int Width, int Height, byte[] Pixels);
}
