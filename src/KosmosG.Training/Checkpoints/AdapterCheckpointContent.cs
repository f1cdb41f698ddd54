using KosmosG.Training.Optimization;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Training.Checkpoints;

/// <summary>
/// An adapter checkpoint (LoRA file, ControlNet folder): <paramref name="writeProduct"/> writes it in the format the
/// service loads (possibly converted: other key names, fp16); the fp32 masters go to training/masters.safetensors
/// under their trainable names, so a resume is exact whatever the product's format.
/// </summary>
public sealed class AdapterCheckpointContent(Action<string, IReadOnlyDictionary<string, Tensor>> writeProduct) : ICheckpointContent
{
    public const string MastersFile = "masters.safetensors";

    public string? SourceDir => null;

    public void Write(string folder, TrainingState state, IEnumerable<KeyValuePair<string, Tensor>> masters)
    {
        var map = masters.ToDictionary(kv => kv.Key, kv => kv.Value);
        SafeTensorsWriter.Save(Path.Combine(folder, CheckpointStore.TrainingFolder, MastersFile), map, new Dictionary<string, string> { ["format"] = "pt" });
        writeProduct(folder, map);
    }

    public void LoadMasters(MixedPrecisionOptimizer optimizer, string checkpointDir)
    {
        using var weights = SafeTensorsFile.Open(Path.Combine(checkpointDir, CheckpointStore.TrainingFolder, MastersFile));
        optimizer.LoadMasters(weights);
    }
}
