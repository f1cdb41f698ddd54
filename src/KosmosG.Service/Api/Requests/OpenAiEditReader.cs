using KosmosG.Tokenizers;

namespace KosmosG.Service.Api.Requests;

/// <summary>
/// POST /v1/images/edits as OpenAI's SDKs send it (multipart/form-data): the image files, a part named "image" for
/// one or one "image[]" part per image, become the prompt's &lt;i&gt; subjects in the order sent. A prompt with
/// fewer &lt;i&gt; markers than images gets the missing ones in front ("&lt;i&gt; " each), so OpenAI's "edit this
/// image: make it a watercolor" works unchanged. OpenAI's fields and ours are read as on /v1/images/generations;
/// OpenAI's mask and streaming have no KOSMOS-G counterpart and are refused. Returns the response format.
/// </summary>
public sealed class OpenAiEditReader(RequestFields fields, FormRequestReader form)
{
    public const string ImageField = "image";
    public const string MaskField = "mask";
    public const string StreamField = "stream";

    public async Task<string> ReadAsync(HttpRequest request, RequestDraft draft)
    {
        if (!request.HasFormContentType) throw ApiProblemException.UnsupportedBody(request.ContentType, "multipart/form-data");
        var body = await FormRequestReader.ReadFormAsync(request, ImageField);
        if (body.ContainsKey(MaskField) || body.Files.Any(f => f.Name == MaskField))
            throw ApiProblemException.Invalid(MaskField,
                "mask is not supported: KOSMOS-G draws a new image with the input images as its subjects and cannot keep " +
                "the unmasked pixels; send the request without a mask.");
        if (bool.TryParse(body[StreamField], out var stream) && stream)
            throw ApiProblemException.Invalid(StreamField,
                "stream is not supported here: the answer is one JSON body (POST /v1/generations streams events).");
        foreach (var file in body.Files.Where(f => !IsImage(f.Name)))
            if (!form.TryAddControlImage(draft, file))
                throw ApiProblemException.Invalid(file.Name, $"Unknown file part '{file.Name}'; send the images as '{ImageField}' or '{ImageField}[]'.");
        foreach (var (name, values) in body)
            fields.TryApply(draft, name, values.ToString()); // false: one of OpenAI's fields, ignored

        var images = body.Files.Where(f => IsImage(f.Name)).ToList();
        if (images.Count == 0)
            throw ApiProblemException.Invalid(ImageField, $"{ImageField} is required: one file part '{ImageField}', or one '{ImageField}[]' part per image.");
        draft.Images = ImageParts.FromFiles(images, ImageField);
        draft.ImagesField = ImageField;
        draft.Request = draft.Request with { Prompt = WithMarkers(draft.Request.Prompt, images.Count) };
        return OpenAiRequestReader.Apply(new OpenAiImageOptions { Size = Text(body, "size"), ResponseFormat = Text(body, "response_format") }, draft);
    }

    /// <summary>The prompt with "&lt;i&gt; " put in front once for each image it has no marker for; a blank prompt
    /// stays blank (so it is refused as missing), and one with more markers than images is left to the model's check.</summary>
    public static string WithMarkers(string prompt, int images)
    {
        const string marker = KosmosGPromptBuilder.ImageMarker;
        var missing = images - (prompt.Split(marker).Length - 1);
        return string.IsNullOrWhiteSpace(prompt) || missing <= 0 ? prompt : string.Concat(Enumerable.Repeat(marker + " ", missing)) + prompt;
    }

    static bool IsImage(string name) => name is ImageField or ImageField + "[]";

    static string? Text(IFormCollection body, string name) => body[name] is { Count: > 0 } v && v.ToString() is { Length: > 0 } s ? s : null;
}
