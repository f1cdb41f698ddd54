using System.Globalization;
using KosmosG.Pipelines;
using KosmosG.Training.Optimization;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Checkpoints;

/// <summary>
/// A complete KOSMOS-G model folder (config.json, model.safetensors, sentencepiece.bpe.model, dict.txt, sd/) that the
/// service and CLI load directly. Weights: every tensor of the model (state-dict order); trainable ones from the fp32
/// masters; frozen ones copied unchanged from the source folder when it holds them (so bf16/fp16 training never rounds
/// frozen weights).
/// </summary>
/// <param name="source">The folder the model was loaded from: the start model, or the checkpoint being resumed.</param>
public sealed class KosmosGCheckpointContent(KosmosGModelFolder source, nn.Module model) : ICheckpointContent
{
    public string? SourceDir => source.Root;

    public void Write(string folder, TrainingState state, IEnumerable<KeyValuePair<string, Tensor>> masters)
    {
        using var frozenSource = SafeTensorsFile.Open(source.WeightsPath);
        var masterMap = masters.ToDictionary(kv => kv.Key, kv => kv.Value);
        var owned = new List<Tensor>();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (key, tensor) in model.state_dict())
        {
            if (masterMap.TryGetValue(key, out var master)) tensors.Add(new(key, master));
            else if (frozenSource.Contains(key) && frozenSource.Info(key).Shape.SequenceEqual(tensor.shape))
            {
                var original = frozenSource.Read(key);
                owned.Add(original);
                tensors.Add(new(key, original));
            }
            else tensors.Add(new(key, tensor));
        }
        try
        {
            SafeTensorsWriter.Save(Path.Combine(folder, KosmosGModelFolder.WeightsFile), tensors, new Dictionary<string, string>
            {
                ["format"] = "pt",
                ["kosmosg.stage"] = state.Stage,
                ["kosmosg.step"] = state.Step.ToString(CultureInfo.InvariantCulture),
            });
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
        File.Copy(source.ConfigPath, Path.Combine(folder, KosmosGModelFolder.ConfigFile));
        File.Copy(source.SentencePiecePath, Path.Combine(folder, KosmosGModelFolder.SentencePieceFile));
        File.Copy(source.DictionaryPath, Path.Combine(folder, KosmosGModelFolder.DictionaryFile));
        CheckpointStore.LinkStableDiffusion(source.StableDiffusionDir, Path.Combine(folder, KosmosGModelFolder.StableDiffusionFolder));
    }

    public void LoadMasters(MixedPrecisionOptimizer optimizer, string checkpointDir)
    {
        using var weights = SafeTensorsFile.Open(Path.Combine(checkpointDir, KosmosGModelFolder.WeightsFile));
        optimizer.LoadMasters(weights);
    }
}
