using System.Globalization;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Optimization;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Training.StandIn;

/// <summary>
/// The resumable state of a stage-0 text-to-image phase in one folder: the fp32 master weights under their trainable
/// names, their EMA under <c>ema.</c> + name and the step (weights.safetensors), and the AdamW moments (optimizer.bin).
/// The batches and noise of a step are drawn from (seed, step) alone, so nothing else is needed to continue exactly.
/// </summary>
public static class TextToImageCheckpoint
{
    const string WeightsFile = "weights.safetensors";
    const string OptimizerFile = "optimizer.bin";
    const string EmaPrefix = "ema.";
    const string StepKey = "step";

    public static void Save(string dir, int step, IReadOnlyList<NamedParameter> trainable, MixedPrecisionOptimizer optimizer, EmaWeights ema) =>
        StagingFolder.Write(dir, partial =>
        {
            var tensors = optimizer.MasterWeights.Concat(trainable.Select((p, i) => new KeyValuePair<string, Tensor>(EmaPrefix + p.Name, ema.Shadows[i])));
            SafeTensorsWriter.Save(Path.Combine(partial, WeightsFile), tensors,
                new Dictionary<string, string> { [StepKey] = step.ToString(CultureInfo.InvariantCulture) });
            optimizer.SaveState(Path.Combine(partial, OptimizerFile));
        });

    /// <summary>Restores a saved state into the optimizer's parameters, its moments and the EMA; returns the step
    /// to continue from (0 when <paramref name="dir"/> holds none).</summary>
    public static int Load(string dir, IReadOnlyList<NamedParameter> trainable, MixedPrecisionOptimizer optimizer, EmaWeights ema)
    {
        var weightsPath = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weightsPath)) return 0;
        using var weights = SafeTensorsFile.Open(weightsPath);
        optimizer.LoadMasters(weights);
        for (var i = 0; i < trainable.Count; i++) weights.CopyTo(EmaPrefix + trainable[i].Name, ema.Shadows[i]);
        optimizer.LoadState(Path.Combine(dir, OptimizerFile));
        return weights.Metadata.TryGetValue(StepKey, out var step) && int.TryParse(step, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new InvalidDataException($"'{weightsPath}' has no '{StepKey}' in its metadata");
    }
}
