using System.Text.Json;
using System.Text.Json.Nodes;
using KosmosG.Weights;
using static TorchSharp.torch.nn;

namespace KosmosG.Training.StandIn;

/// <summary>
/// Writes the stage-0 stand-in as a diffusers Stable Diffusion folder (model_index.json, unet/, vae/, text_encoder/,
/// tokenizer/, scheduler/), the layout of SD v1.5 itself, so every loader that reads SD reads it too.
/// </summary>
public static class StandInFolder
{
    public static void WriteModelIndex(string dir, string schedulerClass)
    {
        Directory.CreateDirectory(dir);
        var index = new JsonObject
        {
            ["_class_name"] = "StableDiffusionPipeline",
            ["scheduler"] = new JsonArray("diffusers", schedulerClass),
            ["text_encoder"] = new JsonArray("transformers", "CLIPTextModel"),
            ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["unet"] = new JsonArray("diffusers", "UNet2DConditionModel"),
            ["vae"] = new JsonArray("diffusers", "AutoencoderKL"),
            ["safety_checker"] = new JsonArray(null, null),
            ["feature_extractor"] = new JsonArray(null, null),
            ["requires_safety_checker"] = false,
        };
        WriteJson(Path.Combine(dir, "model_index.json"), index);
    }

    /// <summary>Writes component/config.json (or <paramref name="configName"/>) and its weights (the module's state dict).</summary>
    public static void WriteComponent(string dir, string component, JsonObject config, Module? module, string weightsFile, string configName = "config.json")
    {
        var componentDir = Path.Combine(dir, component);
        Directory.CreateDirectory(componentDir);
        WriteJson(Path.Combine(componentDir, configName), config);
        if (module is not null)
            SafeTensorsWriter.Save(Path.Combine(componentDir, weightsFile), module.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });
    }

    public static JsonObject ReadConfig(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"'{path}' is not a JSON object");
        }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e); }
    }

    static void WriteJson(string path, JsonNode node) =>
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
