using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Kosmos;

/// <summary>
/// The kosmosg-tiny reference cases (cases.safetensors keys are "&lt;case id&gt;.&lt;tensor&gt;"). The model cases
/// (kinds prompt, uncond, batch, e2e, loss) are exactly those with <c>src_tokens</c>; the image_preprocess cases
/// have none.
/// </summary>
public static class KosmosGTinyCases
{
    static readonly Lazy<Dictionary<string, Tensor>> All = new(() =>
        SafeTensorsFile.LoadAll(Path.Combine(Fixtures.KosmosGTiny, "cases.safetensors")));

    public static string ConfigPath => Path.Combine(Fixtures.KosmosGTiny, "config.json");
    public static string CheckpointPath => Path.Combine(Fixtures.KosmosGTiny, "checkpoint.safetensors");

    /// <summary>Ids of the model cases (not the image-preprocessing ones) that hold a tensor with this name.</summary>
    public static TheoryData<string> With(string tensorName)
    {
        var data = new TheoryData<string>();
        foreach (var id in ModelCaseIds())
            if (Has(id, tensorName)) data.Add(id);
        return data;
    }

    public static IEnumerable<string> ModelCaseIds() =>
        All.Value.Keys.Where(k => k.EndsWith(".src_tokens", StringComparison.Ordinal)).Select(k => k[..k.IndexOf('.')]).Order();

    public static bool Has(string caseId, string name) => All.Value.ContainsKey($"{caseId}.{name}");

    public static Tensor Get(string caseId, string name) =>
        All.Value.TryGetValue($"{caseId}.{name}", out var t) ? t : throw new KeyNotFoundException($"case tensor {caseId}.{name}");

    /// <summary>Images as the reference fed them: images_fp16.float().</summary>
    public static Tensor Images(string caseId) => Get(caseId, "images_fp16").to(ScalarType.Float32);

    public static Tensor ImageMask(string caseId) => Get(caseId, "img_gpt_input_mask").to(ScalarType.Bool);
}
