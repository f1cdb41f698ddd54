using System.Text.Json;

namespace KosmosG.Service.Api.Requests;

/// <summary>POST /v1/generations as application/json. Unknown fields are refused, so a misspelt setting is an
/// error rather than silently a default.</summary>
public sealed class JsonRequestReader(RequestFields fields)
{
    public async Task ReadAsync(HttpRequest request, RequestDraft draft)
    {
        using var body = await ReadObjectAsync(request);
        foreach (var field in body.RootElement.EnumerateObject())
            if (!fields.TryApply(draft, field.Name, field.Value))
                throw ApiProblemException.InvalidJson(field.Name, $"'{field.Name}' is not a field of this endpoint (see /openapi/v1.json).");
    }

    /// <summary>The body, which must be one JSON object (malformed JSON surfaces as <see cref="JsonException"/>: 400).
    /// A field named twice counts with its last value, as the serializer reads it.</summary>
    public static async Task<JsonDocument> ReadObjectAsync(HttpRequest request)
    {
        var body = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
        if (body.RootElement.ValueKind == JsonValueKind.Object) return body;
        var kind = body.RootElement.ValueKind;
        body.Dispose();
        throw kind == JsonValueKind.Null
            ? ApiProblemException.Invalid("body", "The JSON body is empty.")
            : ApiProblemException.InvalidJson(null, $"expected a JSON object, got {kind.ToString().ToLowerInvariant()}.");
    }
}
