using System.Text.Json;
using System.Text.RegularExpressions;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Testing;

/// <summary>Locates the reference fixtures copied into tests/fixtures (produced by the Python references).</summary>
public static class Fixtures
{
    public static string Root { get; } = FindRoot();

    public static string Sd15Tiny => Path.Combine(Root, "sd15-tiny");
    public static string Sd15TinyPipeline => Path.Combine(Sd15Tiny, "pipeline");
    public static string KosmosGTiny => Path.Combine(Root, "kosmosg-tiny");
    public static string EvalTiny => Path.Combine(Root, "eval-tiny");
    /// <summary>ControlNet, LoRA and single-file fixtures built on sd15-tiny (diffusers 0.25.1).</summary>
    public static string Sd15Extras => Path.Combine(Root, "sd15-extras-tiny");

    /// <summary>All tensors of an sd15-extras-tiny case file, e.g. "controlnet_module".</summary>
    public static Dictionary<string, Tensor> Sd15ExtrasCase(string name) =>
        SafeTensorsFile.LoadAll(Path.Combine(Sd15Extras, "cases", name + ".safetensors"));

    /// <summary>All tensors of an sd15-tiny case file, e.g. "unet_scalar_t".</summary>
    public static Dictionary<string, Tensor> Sd15Case(string name) =>
        SafeTensorsFile.LoadAll(Path.Combine(Sd15Tiny, "cases", name + ".safetensors"));

    /// <summary>The cases.json entry of an sd15-tiny case (prompt, guidance, steps, tolerance, ...).</summary>
    public static JsonElement Sd15CaseInfo(string name) => CaseInfo(Sd15CasesJson.Value, name);

    /// <summary>The cases.json entry of an sd15-extras-tiny case.</summary>
    public static JsonElement Sd15ExtrasCaseInfo(string name) => CaseInfo(Sd15ExtrasCasesJson.Value, name);

    static JsonElement CaseInfo(JsonDocument cases, string name) =>
        cases.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    static readonly Lazy<JsonDocument> Sd15CasesJson = new(() => ReadPythonJson(Path.Combine(Sd15Tiny, "cases.json")));
    static readonly Lazy<JsonDocument> Sd15ExtrasCasesJson = new(() => ReadPythonJson(Path.Combine(Sd15Extras, "cases.json")));

    // cases.json is Python's JSON: scheduler configs hold bare -Infinity, which System.Text.Json rejects.
    static JsonDocument ReadPythonJson(string path) =>
        JsonDocument.Parse(Regex.Replace(File.ReadAllText(path), @":\s*-?(Infinity|NaN)\b", ": null"));

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
