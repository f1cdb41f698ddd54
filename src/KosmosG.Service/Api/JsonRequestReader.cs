using System.Text.Json;
using System.Text.Json.Nodes;

namespace KosmosG.Service.Api;

/// <summary>POST /v1/generations as application/json. Unknown fields are refused, so a misspelt setting is an
/// error rather than silently a default.</summary>
public sealed class JsonRequestReader(RequestFields fields)
{
    public async Task ReadAsync(HttpRequest request, RequestDraft draft)
    {
        foreach (var (name, value) in await ReadObjectAsync(request, fields.Json))
            if (!fields.TryApply(draft, name, value))
                throw ApiProblemException.InvalidJson(name, $"'{name}' is not a field of this endpoint (see /openapi/v1.json).");
    }

    /// <summary>The body as one JSON object (malformed JSON surfaces as <see cref="JsonException"/>: 400).</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, JsonSerializerOptions json)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<JsonObject>(request.Body, json, request.HttpContext.RequestAborted)
                   ?? throw ApiProblemException.Invalid("body", "The JSON body is empty.");
        }
        catch (ArgumentException e)
        {
            throw ApiProblemException.InvalidJson(null, e.Message); // a field named twice
        }
    }
}
