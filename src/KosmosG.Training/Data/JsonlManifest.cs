using System.Text.Json;

namespace KosmosG.Training.Data;

/// <summary>
/// Reads a JSONL manifest: one JSON object per line, blank lines and lines starting with '#' skipped. Parsing of
/// each object is delegated; any failure names the manifest and the 1-based line number.
/// </summary>
public static class JsonlManifest
{
    public static IReadOnlyList<T> Read<T>(string path, Func<ManifestLine, T> parse)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"manifest not found: {path}", path);
        var items = new List<T>();
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var text = raw.Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{lineNumber}: invalid JSON: {e.Message}", e); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"{path}:{lineNumber}: expected a JSON object, got {doc.RootElement.ValueKind}");
                items.Add(parse(new ManifestLine(path, lineNumber, doc.RootElement)));
            }
        }
        if (items.Count == 0) throw new InvalidDataException($"{path}: the manifest holds no examples");
        return items;
    }
}
