using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KosmosG.Service.Tests.Support;

/// <summary>Small HTTP helpers over the service's wire format (snake_case JSON, problem+json errors, SSE).</summary>
public static class Call
{
    public static HttpRequestMessage Generation(object body, string? accept = null, bool async = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = JsonContent.Create(body) };
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        if (async) request.Headers.Add("Prefer", "respond-async");
        return request;
    }

    public static async Task<JsonObject> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    /// <summary>Asserts a problem+json response with this status and field; returns the body.</summary>
    public static async Task<JsonObject> AssertProblemAsync(this HttpResponseMessage response, int status, string? field = null, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["detail"]), text);
        if (field is not null) Assert.Equal(field, (string?)problem["field"]);
        if (code is not null) Assert.Equal(code, (string?)problem["code"]);
        return problem;
    }

    public static async Task<JsonObject> JobAsync(this HttpClient client, string id) =>
        await (await client.GetAsync($"/v1/jobs/{id}")).JsonAsync();

    public static async Task<JsonObject> FinishedJobAsync(this HttpClient client, string id, double seconds = 10)
    {
        JsonObject job = null!;
        await Wait.UntilAsync(async () =>
        {
            job = await client.JobAsync(id);
            return (string?)job["state"] is "succeeded" or "failed" or "cancelled";
        }, $"job {id} to finish", seconds);
        return job;
    }

    public static async Task<string> SubmitAsyncJob(this HttpClient client, object body)
    {
        var response = await client.SendAsync(Generation(body, async: true));
        Assert.Equal(202, (int)response.StatusCode);
        return (string)(await response.JsonAsync())["id"]!;
    }

    /// <summary>Reads SSE events (name, JSON data) until the stream ends.</summary>
    public static async IAsyncEnumerable<(string Event, JsonObject Data)> EventsAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null) yield return (name, JsonNode.Parse(data.ToString())!.AsObject());
                name = null;
                data.Clear();
            }
            else if (line.StartsWith("event: ")) name = line[7..];
            else if (line.StartsWith("data: ")) data.Append(line[6..]);
        }
    }

    public static MultipartFormDataContent Form(IEnumerable<(string Name, string Value)> fields, params (byte[] Bytes, string ContentType)[] images)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        var i = 0;
        foreach (var (bytes, type) in images)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            form.Add(part, "images", $"image{i++}.png");
        }
        return form;
    }

    public static string DataUrl(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
