using System.Text.Json.Nodes;
using KosmosG.Models.Clip;
using KosmosG.Pipelines;
using KosmosG.Runtime;
using KosmosG.Weights;
using KosmosG.Weights.SingleFile;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Conversion;

/// <summary>Writes a single-file SD v1.x checkpoint (original LDM keys) as a diffusers pipeline folder.</summary>
public static class SingleFileConverter
{
    const string TextEncoderPrefix = "cond_stage_model.transformer.";

    /// <param name="configDir">The diffusers config folder that describes the file (unet/, vae/, scheduler/, optionally text_encoder/, tokenizer/).</param>
    /// <returns>The components written.</returns>
    public static IReadOnlyList<string> Convert(string checkpoint, string configDir, string outputDir, ScalarType dtype)
    {
        var compute = new ComputeOptions(CPU, dtype);
        Directory.CreateDirectory(outputDir);
        var index = new JsonObject { ["_class_name"] = "StableDiffusionPipeline" };
        using (var backbone = DiffusionBackbone.LoadSingleFile(checkpoint, configDir, compute))
        {
            Write(outputDir, configDir, "unet", "diffusion_pytorch_model.safetensors", backbone.Unet, ["diffusers", "UNet2DConditionModel"], index, dtype);
            Write(outputDir, configDir, "vae", "diffusion_pytorch_model.safetensors", backbone.Vae, ["diffusers", "AutoencoderKL"], index, dtype);
        }
        CopyComponent(configDir, outputDir, "scheduler", index, ["diffusers", SchedulerClass(configDir)]);

        using var file = SingleFileCheckpoint.Open(checkpoint);
        var textConfig = Path.Combine(configDir, "text_encoder", "config.json");
        if (File.Exists(textConfig) && file.Keys.Any(k => k.StartsWith(TextEncoderPrefix, StringComparison.Ordinal)))
        {
            using var textEncoder = TorchDefaults.Build(dtype, () => new CLIPTextModel(CLIPTextConfig.Load(textConfig)));
            textEncoder.to(CPU, dtype);
            file.LoadInto(textEncoder, TextEncoderPrefix, key => key);
            Write(outputDir, configDir, "text_encoder", "model.safetensors", textEncoder, ["transformers", "CLIPTextModel"], index, dtype);
        }
        if (Directory.Exists(Path.Combine(configDir, "tokenizer"))) CopyComponent(configDir, outputDir, "tokenizer", index, ["transformers", "CLIPTokenizer"]);
        File.WriteAllText(Path.Combine(outputDir, "model_index.json"), index.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return index.Where(kv => !kv.Key.StartsWith('_')).Select(kv => kv.Key).ToList();
    }

    static void Write(string outputDir, string configDir, string name, string weightsFile, nn.Module module, string[] kind, JsonObject index, ScalarType dtype)
    {
        var dir = Path.Combine(outputDir, name);
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(configDir, name, "config.json"), Path.Combine(dir, "config.json"), overwrite: true);
        using var scope = NewDisposeScope();
        SafeTensorsWriter.Save(Path.Combine(dir, weightsFile), module.state_dict().Select(kv => KeyValuePair.Create(kv.Key, kv.Value.to(dtype))));
        index[name] = new JsonArray(kind.Select(k => (JsonNode)k).ToArray());
    }

    static void CopyComponent(string configDir, string outputDir, string name, JsonObject index, string[] kind)
    {
        var target = Path.Combine(outputDir, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(configDir, name)))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        index[name] = new JsonArray(kind.Select(k => (JsonNode)k).ToArray());
    }

    static string SchedulerClass(string configDir) =>
        JsonNode.Parse(File.ReadAllText(DiffusionBackbone.SingleFileConfig(configDir, "scheduler", "scheduler_config.json")))?["_class_name"]?.GetValue<string>()
        ?? "PNDMScheduler";
}
