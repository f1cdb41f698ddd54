using System.Text.Json;
using KosmosG.Weights;
using Xunit;
using static TorchSharp.torch;

namespace KosmosG.Testing;

/// <summary>
/// The kosmosg-tiny reference cases: cases.json entries and cases.safetensors tensors (keys "&lt;case id&gt;.&lt;tensor&gt;"),
/// loaded once. The model cases (kinds prompt, uncond, batch, e2e, loss) are exactly those with <c>src_tokens</c>.
/// </summary>
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

    public static string ConfigPath => Path.Combine(Fixtures.KosmosGTiny, "config.json");
    public static string CheckpointPath => Path.Combine(Fixtures.KosmosGTiny, "checkpoint.safetensors");

    public static IEnumerable<JsonElement> All => CasesJson.Value;

    public static JsonElement Case(string id) => CasesJson.Value.Single(c => c.GetProperty("id").GetString() == id);

    public static IEnumerable<string> IdsOfKind(params string[] kinds) =>
        All.Where(c => kinds.Contains(c.GetProperty("kind").GetString())).Select(c => c.GetProperty("id").GetString()!);

    /// <summary>Ids of the model cases (not the image-preprocessing ones) that hold a tensor with this name.</summary>
    public static TheoryData<string> With(string tensorName)
    {
        var data = new TheoryData<string>();
        foreach (var id in ModelCaseIds())
            if (HasTensor(id, tensorName)) data.Add(id);
        return data;
    }

    public static IEnumerable<string> ModelCaseIds() =>
        CaseTensors.Value.Keys.Where(k => k.EndsWith(".src_tokens", StringComparison.Ordinal)).Select(k => k[..k.IndexOf('.')]).Order();

    public static bool HasTensor(string id, string name) => CaseTensors.Value.ContainsKey($"{id}.{name}");

    public static Tensor Tensor(string id, string name) =>
        CaseTensors.Value.TryGetValue($"{id}.{name}", out var t) ? t : throw new KeyNotFoundException($"cases.safetensors has no {id}.{name}");

    /// <summary>Images as the reference fed them: images_fp16.float().</summary>
    public static Tensor Images(string id) => Tensor(id, "images_fp16").to(ScalarType.Float32);

    public static Tensor ImageMask(string id) => Tensor(id, "img_gpt_input_mask").to(ScalarType.Bool);

    public static string[] Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.EnumerateArray().Select(v => v.GetString()!).ToArray() : [];
}
