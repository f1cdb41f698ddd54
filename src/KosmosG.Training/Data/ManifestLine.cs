using System.Text.Json;

namespace KosmosG.Training.Data;

/// <summary>
/// One JSON object of a JSONL manifest with its location. Every accessor fails with an
/// <see cref="InvalidDataException"/> that names the manifest, the line and the field, so a user can fix the data.
/// </summary>
public sealed class ManifestLine
{
    public ManifestLine(string manifestPath, int lineNumber, JsonElement root)
    {
        ManifestPath = manifestPath;
        LineNumber = lineNumber;
        Root = root;
    }

    public string ManifestPath { get; }
    public int LineNumber { get; }
    public JsonElement Root { get; }

    /// <summary>Paths in a manifest are relative to the manifest's own folder.</summary>
    public string BaseDirectory => Path.GetDirectoryName(Path.GetFullPath(ManifestPath))!;

    public InvalidDataException Error(string message) => new($"{ManifestPath}:{LineNumber}: {message}");

    public bool Has(string field) => Root.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null;

    public string RequiredString(string field) =>
        OptionalString(field) ?? throw Error($"missing required field \"{field}\"");

    public string? OptionalString(string field)
    {
        if (!Root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw Error($"field \"{field}\" must be a string, got {value.ValueKind}");
        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text)) throw Error($"field \"{field}\" is empty");
        return text;
    }

    public IReadOnlyList<JsonElement> RequiredArray(string field)
    {
        if (!Root.TryGetProperty(field, out var value)) throw Error($"missing required field \"{field}\"");
        if (value.ValueKind != JsonValueKind.Array) throw Error($"field \"{field}\" must be an array, got {value.ValueKind}");
        return value.EnumerateArray().ToList();
    }

    /// <summary>An existing file named by <paramref name="relativePath"/> (relative to the manifest) for <paramref name="field"/>.</summary>
    public string ResolveFile(string field, string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(BaseDirectory, relativePath));
        if (!File.Exists(full)) throw Error($"\"{field}\": file not found: {relativePath} (resolved to {full})");
        return full;
    }

    /// <summary>Reads a required string field naming a file and resolves it.</summary>
    public string RequiredFile(string field) => ResolveFile(field, RequiredString(field));
}
