using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api;

/// <summary>Reads the native endpoint's JSON or multipart body, and the OpenAI body, into a <see cref="GenerationInput"/>.</summary>
public sealed class GenerationInputReader(IOptions<JsonOptions> json)
{
    static readonly HashSet<string> FormFields =
    [
        "prompt", "negative_prompt", "steps", "guidance_scale", "scheduler", "seed", "n", "width", "height",
        "images", "preview_every", "deadline_seconds",
    ];

    // The native endpoint refuses unknown members so a misspelt knob is an error, not silently a default.
    readonly JsonSerializerOptions _strict = new(json.Value.SerializerOptions)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public async Task<GenerationInput> ReadNativeAsync(HttpRequest request)
    {
        if (request.HasJsonContentType())
        {
            var body = await JsonSerializer.DeserializeAsync<GenerationBody>(request.Body, _strict, request.HttpContext.RequestAborted)
                       ?? throw ApiProblemException.Invalid("body", "The JSON body is empty.");
            return FromBody(body);
        }
        if (request.HasFormContentType) return FromForm(await request.ReadFormAsync(request.HttpContext.RequestAborted));
        throw new ApiProblemException(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
            $"Content-Type '{request.ContentType}' is not accepted; send application/json or multipart/form-data.", "Content-Type");
    }

    public async Task<(GenerationInput Input, string ResponseFormat)> ReadOpenAiAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
            throw new ApiProblemException(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                $"Content-Type '{request.ContentType}' is not accepted; send application/json.", "Content-Type");
        var body = await JsonSerializer.DeserializeAsync<OpenAiImageBody>(request.Body, json.Value.SerializerOptions, request.HttpContext.RequestAborted)
                   ?? throw ApiProblemException.Invalid("body", "The JSON body is empty.");
        var format = body.ResponseFormat ?? "b64_json";
        if (format is not ("b64_json" or "url"))
            throw ApiProblemException.Invalid("response_format", $"response_format '{format}' is not supported; use \"b64_json\" or \"url\".");
        int? width = null, height = null;
        if (body.Size is { } size)
        {
            var parts = size.Split('x', 'X');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var w) ||
                !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var h))
                throw ApiProblemException.Invalid("size", $"size '{size}' is not \"WIDTHxHEIGHT\", e.g. \"512x512\".");
            (width, height) = (w, h);
        }
        return (new GenerationInput
        {
            Prompt = body.Prompt, NegativePrompt = body.NegativePrompt, Steps = body.Steps, GuidanceScale = body.GuidanceScale,
            Scheduler = body.Scheduler, Seed = body.Seed, N = body.N, Width = width, Height = height,
            DeadlineSeconds = body.DeadlineSeconds, Images = Encoded(body.Images),
        }, format);
    }

    static GenerationInput FromBody(GenerationBody b) => new()
    {
        Prompt = b.Prompt, NegativePrompt = b.NegativePrompt, Steps = b.Steps, GuidanceScale = b.GuidanceScale,
        Scheduler = b.Scheduler, Seed = b.Seed, N = b.N, Width = b.Width, Height = b.Height,
        PreviewEvery = b.PreviewEvery, DeadlineSeconds = b.DeadlineSeconds, Images = Encoded(b.Images),
    };

    static GenerationInput FromForm(IFormCollection form)
    {
        foreach (var key in form.Keys.Concat(form.Files.Select(f => f.Name)))
            if (!FormFields.Contains(key))
                throw ApiProblemException.Invalid(key, $"Unknown form field '{key}'.");
        var files = form.Files.GetFiles("images");
        var images = files.Count > 0
            ? files.Select((f, i) => new ImagePart($"images[{i}]", f.ContentType, f.Length, () => ReadAll(f))).ToList()
            : Encoded(form["images"].Where(s => !string.IsNullOrEmpty(s)).ToList()!);
        return new GenerationInput
        {
            Prompt = Text(form, "prompt"), NegativePrompt = Text(form, "negative_prompt"), Scheduler = Text(form, "scheduler"),
            Steps = Number<int>(form, "steps"), GuidanceScale = Number<double>(form, "guidance_scale"), Seed = Number<long>(form, "seed"),
            N = Number<int>(form, "n"), Width = Number<int>(form, "width"), Height = Number<int>(form, "height"),
            PreviewEvery = Number<int>(form, "preview_every"), DeadlineSeconds = Number<double>(form, "deadline_seconds"),
            Images = images,
        };
    }

    static string? Text(IFormCollection form, string key) => form.TryGetValue(key, out var v) ? v.ToString() : null;

    static T? Number<T>(IFormCollection form, string key) where T : struct, INumber<T>
    {
        if (!form.TryGetValue(key, out var v) || string.IsNullOrWhiteSpace(v)) return null;
        var real = typeof(T) == typeof(double);
        return T.TryParse(v.ToString(), real ? NumberStyles.Float : NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw ApiProblemException.Invalid(key, $"{key} '{v}' is not a {(real ? "number" : "whole number")}.");
    }

    static byte[] ReadAll(IFormFile file)
    {
        using var stream = file.OpenReadStream();
        using var copy = new MemoryStream((int)file.Length);
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Base64 strings or data URLs; URLs to fetch are refused (no server-side fetching, no SSRF).</summary>
    static IReadOnlyList<ImagePart> Encoded(IReadOnlyList<string>? images) =>
        (images ?? []).Select((s, i) =>
        {
            var field = $"images[{i}]";
            if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                throw ApiProblemException.Invalid(field, $"{field}: URLs are not fetched; send the image bytes as base64 or a data URL.");
            string? type = null;
            var payload = s;
            if (s.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            {
                var comma = s.IndexOf(',');
                var header = comma < 0 ? "" : s[5..comma];
                if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
                    throw ApiProblemException.Invalid(field, $"{field}: a data URL must look like data:image/png;base64,....");
                type = header[..^7];
                payload = s[(comma + 1)..];
            }
            return new ImagePart(field, type, payload.Length / 4L * 3, () =>
            {
                try { return Convert.FromBase64String(payload); }
                catch (FormatException) { throw ApiProblemException.Invalid(field, $"{field}: not valid base64."); }
            });
        }).ToList();
}
