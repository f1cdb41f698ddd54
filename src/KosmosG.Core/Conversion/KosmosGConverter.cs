using System.Text.Json;
using System.Text.Json.Nodes;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using KosmosG.Tokenizers.SentencePiece;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Conversion;

/// <summary>What `convert` reads and where it writes the model folder.</summary>
public sealed record ConvertOptions(
    string Checkpoint, string? ConfigPath, string SentencePiecePath, string DictionaryPath, string StableDiffusionDir,
    string OutputDir, ScalarType DType);

/// <summary>What was kept and what was dropped (with the reason), for the user and the tests.</summary>
public sealed record ConvertReport(int Kept, IReadOnlyDictionary<string, IReadOnlyList<string>> DroppedByReason);

/// <summary>
/// Turns an official KOSMOS-G checkpoint (fairseq torch.save file or a safetensors state dict with the official keys)
/// into our model folder (<see cref="KosmosGModelFolder"/>). The weights go through the model built from the config,
/// so every missing, unexpected or wrongly shaped key is reported key by key before anything is written.
/// </summary>
public static class KosmosGConverter
{
    // Components of the SD folder the KOSMOS-G pipeline draws with; its text encoder is replaced by the MLLM.
    static readonly string[] SdComponents = ["unet", "vae", "scheduler"];

    public static ConvertReport Convert(ConvertOptions options)
    {
        var config = options.ConfigPath is null ? KosmosGConfig.XL : KosmosGConfig.Load(options.ConfigPath);
        CheckDictionary(options.DictionaryPath, options.SentencePiecePath, config);
        var sd = DiffusersFolder.Open(options.StableDiffusionDir);
        foreach (var component in SdComponents)
            if (!sd.HasComponent(component)) throw new InvalidDataException($"Stable Diffusion folder '{sd.Root}' has no {component}");

        using var model = new KosmosGModel(config);
        model.to(options.DType);
        var dropped = new SortedDictionary<string, List<string>>();
        using (var source = OpenSource(options.Checkpoint))
        {
            var report = StateDictLoader.Load(model, source.Source, strict: false,
                ignore: key => KosmosGModel.IsUnusedCheckpointKey(key, withAlignerDecoder: false));
            if (!report.IsClean)
                throw new InvalidDataException($"checkpoint '{options.Checkpoint}' does not match the config: {report.Describe(int.MaxValue)}");
            foreach (var key in source.Source.Keys)
                if (KosmosGModel.UnusedCheckpointKeyReason(key, withAlignerDecoder: false) is { } reason)
                    (dropped.TryGetValue(reason, out var keys) ? keys : dropped[reason] = []).Add(key);
        }

        var folder = new KosmosGModelFolder(options.OutputDir);
        Directory.CreateDirectory(folder.Root);
        var state = model.state_dict();
        SafeTensorsWriter.Save(folder.WeightsPath, state, new Dictionary<string, string> { ["format"] = "kosmosg", ["source"] = Path.GetFileName(options.Checkpoint) });
        config.Save(folder.ConfigPath);
        File.Copy(options.SentencePiecePath, folder.SentencePiecePath, overwrite: true);
        File.Copy(options.DictionaryPath, folder.DictionaryPath, overwrite: true);
        CopyStableDiffusion(sd, folder.StableDiffusionDir);
        return new ConvertReport(state.Count, dropped.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value));
    }

    sealed class OpenedSource(IStateDictSource source, IDisposable owner) : IDisposable
    {
        public IStateDictSource Source => source;
        public void Dispose() => owner.Dispose();
    }

    static OpenedSource OpenSource(string path)
    {
        if (WeightsFormat.Detect(path) == WeightsFileKind.SafeTensors)
        {
            var file = SafeTensorsFile.Open(path);
            return new OpenedSource(file, file);
        }
        var checkpoint = TorchCheckpoint.Open(path);
        return new OpenedSource(checkpoint.StateDict("model"), checkpoint);
    }

    /// <summary>The fairseq dictionary plus the reserved and KOSMOS-G special symbols must fill the embedding table.</summary>
    static void CheckDictionary(string dictPath, string spmPath, KosmosGConfig config)
    {
        var dictionary = FairseqDictionary.Load(dictPath);
        if (dictionary.Count != config.VocabSize)
            throw new InvalidDataException($"dictionary '{dictPath}' gives {dictionary.Count} symbols but the config's vocab_size is {config.VocabSize}");
        SentencePieceModel.Load(spmPath);
    }

    /// <summary>
    /// Copies the U-Net, VAE and scheduler. The scheduler config drops <c>timestep_spacing</c>: SD v1.5's own
    /// config does not set it, so the official demo runs each scheduler with its class default (DPM-Solver++:
    /// linspace); folders re-saved by newer diffusers spell out PNDM's "leading", which would change the timesteps.
    /// </summary>
    static void CopyStableDiffusion(DiffusersFolder sd, string target)
    {
        Directory.CreateDirectory(target);
        var index = new JsonObject { ["_class_name"] = sd.PipelineClass ?? "StableDiffusionPipeline" };
        foreach (var name in SdComponents)
        {
            var component = sd.Component(name);
            index[name] = new JsonArray(component.Library, component.ClassName);
            var dir = Path.Combine(target, name);
            Directory.CreateDirectory(dir);
            if (name == "scheduler")
            {
                var config = JsonNode.Parse(File.ReadAllText(sd.ConfigPath(name)))!.AsObject();
                config.Remove("timestep_spacing");
                File.WriteAllText(Path.Combine(dir, "scheduler_config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                continue;
            }
            File.Copy(sd.ConfigPath(name), Path.Combine(dir, "config.json"), overwrite: true);
            var weights = sd.WeightsPath(name);
            File.Copy(weights, Path.Combine(dir, Path.GetFileName(weights)), overwrite: true);
        }
        File.WriteAllText(Path.Combine(target, "model_index.json"), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
