using System.Text.Json;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Testing;

/// <summary>The eval-tiny fixture (DreamBench metrics on tiny DINO/CLIP models): case tensors, cases.json entries, tolerances.</summary>
public static class EvalTinyCases
{
    static readonly Lazy<JsonDocument> Json = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.EvalTiny, "cases.json"))));

    public static string DinoDir => Path.Combine(Fixtures.EvalTiny, "models", "dino-vits16-tiny");
    public static string DinoHubWeights => Path.Combine(Fixtures.EvalTiny, "models", "dino-vits16-tiny-hub", "dino_hub_state_dict.safetensors");
    public static string ClipDir => Path.Combine(Fixtures.EvalTiny, "models", "clip-vit-base-patch32-tiny");
    public static string DatasetDir => Path.Combine(Fixtures.EvalTiny, "dreambench", "dataset");
    public static string OutputDir => Path.Combine(Fixtures.EvalTiny, "dreambench", "output");

    public static string[] ImageCases { get; } =
        ["image_p0_rgb_400x300", "image_p1_rgb_150x331_q90", "image_p2_rgba_97x61", "image_p3_gray_203x203", "image_p4_palette_260x180", "image_p5_gray_224x250_q85"];

    public static Dictionary<string, Tensor> Case(string name) => SafeTensorsFile.LoadAll(Path.Combine(Fixtures.EvalTiny, "cases", name + ".safetensors"));

    public static JsonElement Info(string name) =>
        Json.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>The atol of a tolerance entry (e.g. "dino_cls") of a case.</summary>
    public static double Atol(string name, string entry) => Info(name).GetProperty("tolerance").GetProperty(entry).GetProperty("atol").GetDouble();

    public static string ImageFile(string name) => Path.Combine(Fixtures.EvalTiny, Info(name).GetProperty("image_file").GetString()!);
}
