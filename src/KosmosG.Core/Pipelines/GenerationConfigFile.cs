using System.Text.Json;
using System.Text.Json.Nodes;
using KosmosG.Schedulers;

namespace KosmosG.Pipelines;

/// <summary>
/// A model folder's optional generation_config.json: the sampling defaults its makers measured best for it, as a
/// transformers model folder's generation_config.json is for text. Keys, each optional: num_inference_steps,
/// guidance_scale, scheduler (a <see cref="SchedulerFactory"/> name). A request's own values still win.
/// </summary>
public static class GenerationConfigFile
{
    public const string FileName = "generation_config.json";

    /// <summary><paramref name="defaults"/> with the values of <paramref name="folder"/>'s file, when it has one.</summary>
    public static GenerationDefaults Apply(string folder, GenerationDefaults defaults)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return defaults;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException("expected a JSON object");
            var steps = json["num_inference_steps"]?.GetValue<int>() ?? defaults.Steps;
            var guidance = json["guidance_scale"]?.GetValue<double>() ?? defaults.GuidanceScale;
            var scheduler = json["scheduler"]?.GetValue<string>() ?? defaults.Scheduler;
            if (steps is < 1 or > 1000) throw new InvalidDataException($"num_inference_steps {steps} is outside 1..1000");
            if (!double.IsFinite(guidance) || guidance < 0) throw new InvalidDataException($"guidance_scale {guidance} must be a number >= 0");
            if (!SchedulerFactory.Names.Contains(scheduler))
                throw new InvalidDataException($"scheduler '{scheduler}' is not one of {string.Join(", ", SchedulerFactory.Names)}");
            return defaults with { Steps = steps, GuidanceScale = guidance, Scheduler = scheduler };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Writes the file with the given defaults (the sizes stay the U-Net's).</summary>
    public static void Write(string folder, int steps, double guidanceScale, string scheduler) =>
        File.WriteAllText(Path.Combine(folder, FileName), new JsonObject
        {
            ["num_inference_steps"] = steps,
            ["guidance_scale"] = guidanceScale,
            ["scheduler"] = scheduler,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
