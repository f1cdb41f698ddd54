using System.Globalization;
using System.Text.Json;

namespace KosmosG.Service.Api.Requests;

/// <summary>POST /v1/images/generations (application/json): OpenAI's fields, then ours; returns the response format.</summary>
public sealed class OpenAiRequestReader(RequestFields fields)
{
    public const string Base64Format = "b64_json";
    public const string UrlFormat = "url";
    /// <summary>OpenAI's size for "the model decides": the model's default size.</summary>
    public const string AutoSize = "auto";

    public async Task<string> ReadAsync(HttpRequest request, RequestDraft draft)
    {
        if (!request.HasJsonContentType()) throw ApiProblemException.UnsupportedBody(request.ContentType, "application/json");
        using var body = await JsonRequestReader.ReadObjectAsync(request);
        var openAi = body.RootElement.Deserialize<OpenAiImageOptions>(fields.Json)!;
        foreach (var field in body.RootElement.EnumerateObject())
            fields.TryApply(draft, field.Name, field.Value); // false: one of OpenAI's fields, ignored
        return Apply(openAi, draft);
    }

    /// <summary>Applies OpenAI's own fields after ours (size wins over width and height); returns the response format.
    /// Shared with the edits endpoint, which reads the same fields from a form.</summary>
    public static string Apply(OpenAiImageOptions openAi, RequestDraft draft)
    {
        var format = openAi.ResponseFormat ?? Base64Format;
        if (format is not (Base64Format or UrlFormat))
            throw ApiProblemException.Invalid("response_format", $"response_format '{format}' is not supported; use \"{Base64Format}\" or \"{UrlFormat}\".");
        if (openAi.Size is { } size && size != AutoSize)
        {
            var parts = size.Split('x', 'X');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var w) ||
                !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var h))
                throw ApiProblemException.Invalid("size", $"size '{size}' is not \"WIDTHxHEIGHT\" (e.g. \"512x512\") or \"{AutoSize}\".");
            draft.Request = draft.Request with { Width = w, Height = h };
        }
        return format;
    }
}
