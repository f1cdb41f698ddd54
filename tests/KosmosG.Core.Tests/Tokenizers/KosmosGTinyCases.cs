using System.Text.Json;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Tokenizers;

/// <summary>The kosmosg-tiny fixture's cases.json entries and cases.safetensors tensors, loaded once.</summary>
public static class KosmosGTinyCases
{
    static readonly Lazy<JsonElement[]> CasesJson = new(() =>
    {
        // Python's json writes the scheduler config's lambda_min_clipped as a bare -Infinity, which is not JSON.
        var text = File.ReadAllText(Path.Combine(Fixtures.KosmosGTiny, "cases.json")).Replace(": -Infinity", ": null");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    });

    static readonly Lazy<Dictionary<string, Tensor>> CaseTensors =
        new(() => SafeTensorsFile.LoadAll(Path.Combine(Fixtures.KosmosGTiny, "cases.safetensors")));

    public static IEnumerable<JsonElement> All => CasesJson.Value;

    public static JsonElement Case(string id) => CasesJson.Value.Single(c => c.GetProperty("id").GetString() == id);

    public static IEnumerable<string> IdsOfKind(params string[] kinds) =>
        All.Where(c => kinds.Contains(c.GetProperty("kind").GetString())).Select(c => c.GetProperty("id").GetString()!);

    public static bool HasTensor(string id, string name) => CaseTensors.Value.ContainsKey($"{id}.{name}");

    public static Tensor Tensor(string id, string name) =>
        CaseTensors.Value.TryGetValue($"{id}.{name}", out var t) ? t : throw new KeyNotFoundException($"cases.safetensors has no {id}.{name}");

    public static string[] Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.EnumerateArray().Select(v => v.GetString()!).ToArray() : [];
}
