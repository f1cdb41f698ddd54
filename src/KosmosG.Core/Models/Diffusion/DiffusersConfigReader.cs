using System.Text.Json;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Typed access to a diffusers config.json. Every error names the file and the field. Keys a model does not
/// implement are checked with <see cref="RequireDefault"/> so a config that needs them fails loudly instead of
/// silently building a different network.
/// </summary>
internal sealed class DiffusersConfigReader
{
    readonly JsonElement _root;

    public string Source { get; }

    DiffusersConfigReader(JsonElement root, string source)
    {
        _root = root;
        Source = source;
    }

    /// <summary>Parses JSON text; <paramref name="source"/> names it in error messages.</summary>
    public static DiffusersConfigReader Parse(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"config '{source}' is not valid JSON: {e.Message}"); }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"config '{source}' is not a JSON object");
        return new DiffusersConfigReader(doc.RootElement.Clone(), source);
    }

    public static DiffusersConfigReader Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config file not found: {path}", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>The value, or null when the key is absent or JSON null.</summary>
    JsonElement? Get(string key) =>
        _root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public InvalidDataException Error(string key, string message) => new($"config '{Source}': field '{key}' {message}");

    public int Int(string key, int? fallback = null) => Get(key) is { } v ? AsInt(key, v) : fallback ?? throw Error(key, "is required");

    public int? OptionalInt(string key) => Get(key) is { } v ? AsInt(key, v) : null;

    public double Double(string key, double? fallback = null) =>
        Get(key) is { } v
            ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Error(key, $"must be a number, got {v.GetRawText()}")
            : fallback ?? throw Error(key, "is required");

    public bool Bool(string key, bool fallback) =>
        Get(key) is { } v
            ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Error(key, $"must be true or false, got {v.GetRawText()}")
            : fallback;

    public string String(string key, string? fallback = null) =>
        Get(key) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Error(key, $"must be a string, got {v.GetRawText()}")
            : fallback ?? throw Error(key, "is required");

    public int[] IntList(string key)
    {
        var v = Get(key) ?? throw Error(key, "is required");
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0) throw Error(key, $"must be a non-empty list of integers, got {v.GetRawText()}");
        return v.EnumerateArray().Select(e => AsInt(key, e)).ToArray();
    }

    public string[] StringList(string key)
    {
        var v = Get(key) ?? throw Error(key, "is required");
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0) throw Error(key, $"must be a non-empty list of strings, got {v.GetRawText()}");
        return v.EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Error(key, $"must be a list of strings, got {v.GetRawText()}"))
            .ToArray();
    }

    /// <summary>
    /// An integer or a list of <paramref name="count"/> integers (diffusers accepts both for per-block settings),
    /// expanded to one value per block; null when the key is absent or null.
    /// </summary>
    public int[]? PerBlock(string key, int count)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number) return Enumerable.Repeat(AsInt(key, v), count).ToArray();
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != count)
            throw Error(key, $"must be an integer or a list of {count} integers (one per block), got {v.GetRawText()}");
        return v.EnumerateArray().Select(e => AsInt(key, e)).ToArray();
    }

    /// <summary>Rejects a setting this implementation does not support unless it is absent, null or equal to the default.</summary>
    public void RequireDefault(string key, object? defaultValue)
    {
        if (Get(key) is not { } v) return;
        var matches = defaultValue switch
        {
            null => false,
            bool b => v.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
            string s => v.ValueKind == JsonValueKind.String && v.GetString() == s,
            int or double => v.ValueKind == JsonValueKind.Number && v.GetDouble() == Convert.ToDouble(defaultValue),
            _ => throw new ArgumentException($"unsupported default type {defaultValue.GetType()}", nameof(defaultValue)),
        };
        if (!matches)
            throw Error(key, $"= {v.GetRawText()} is not supported (only {(defaultValue is null ? "null" : JsonSerializer.Serialize(defaultValue))})");
    }

    int AsInt(string key, JsonElement v) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw Error(key, $"must be an integer, got {v.GetRawText()}");
}
