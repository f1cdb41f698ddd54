using KosmosG.Pipelines;
using KosmosG.Training.Checkpoints;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Training.Demo;

/// <summary>
/// Turns the final stage-3 checkpoint into the shipped model folder: the KOSMOS-G files plus a real copy of sd/
/// (checkpoints link it), without the training state. Weights are stored as float16, which halves the folder that
/// ships in the repository; every loader converts them to the dtype it computes in. The recipe's sampling defaults go
/// into generation_config.json.
/// </summary>
public static class DemoPublisher
{
    public static void Publish(string checkpoint, string outputDir, DemoSampling sampling) => StagingFolder.Write(outputDir, partial =>
    {
        GenerationConfigFile.Write(partial, sampling.Steps, sampling.GuidanceScale, sampling.Scheduler);
        foreach (var name in new[] { KosmosGModelFolder.ConfigFile, KosmosGModelFolder.WeightsFile, KosmosGModelFolder.SentencePieceFile, KosmosGModelFolder.DictionaryFile })
            File.Copy(Path.Combine(checkpoint, name), Path.Combine(partial, name));
        var sd = new DirectoryInfo(Path.Combine(checkpoint, KosmosGModelFolder.StableDiffusionFolder));
        CheckpointStore.CopyDirectory(sd.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? sd.FullName, Path.Combine(partial, KosmosGModelFolder.StableDiffusionFolder));
        foreach (var weights in Directory.GetFiles(partial, "*.safetensors", SearchOption.AllDirectories)) ToFloat16(weights);
    });

    /// <summary>Rewrites a safetensors file with its float32 tensors as float16, metadata kept.</summary>
    internal static void ToFloat16(string path)
    {
        IReadOnlyDictionary<string, string> metadata;
        Dictionary<string, Tensor> tensors;
        using (var file = SafeTensorsFile.Open(path))
        {
            metadata = file.Metadata;
            tensors = file.Tensors.Keys.ToDictionary(k => k, file.Read);
        }
        using var scope = NewDisposeScope();
        SafeTensorsWriter.Save(path, tensors.Select(kv => new KeyValuePair<string, Tensor>(kv.Key,
            kv.Value.dtype == ScalarType.Float32 ? kv.Value.to(ScalarType.Float16) : kv.Value)), metadata);
        foreach (var t in tensors.Values) t.Dispose();
    }
}
