namespace KosmosG.Service.Api.Requests;

/// <summary>One uploaded image, read only after the count and size checks passed.</summary>
public sealed record ImagePart(string Field, string? ContentType, long Length, Func<byte[]> Read);

/// <summary>The images of a request as sent: form file parts, or base64 strings / data URLs.</summary>
public static class ImageParts
{
    public static IReadOnlyList<ImagePart> FromFiles(IReadOnlyList<IFormFile> files, string name) =>
        files.Select((f, i) => new ImagePart($"{name}[{i}]", f.ContentType, f.Length, () => ReadAll(f))).ToList();

    /// <summary>Base64 strings or data URLs; URLs to fetch are refused (no server-side fetching, no SSRF).</summary>
    public static IReadOnlyList<ImagePart> FromStrings(IReadOnlyList<string?> images, string name) =>
        images.Select((s, i) => FromString(s, $"{name}[{i}]")).ToList();

    /// <summary>One base64 string or data URL, reported as <paramref name="field"/>.</summary>
    public static ImagePart FromString(string? s, string field)
    {
        if (s is null)
            throw ApiProblemException.Invalid(field, $"{field}: null is not an image; send base64 or a data URL.");
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
    }

    static byte[] ReadAll(IFormFile file)
    {
        using var stream = file.OpenReadStream();
        using var copy = new MemoryStream((int)file.Length);
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
