using KosmosG.Training.Optimization;
using static TorchSharp.torch;

namespace KosmosG.Training.Checkpoints;

/// <summary>What a checkpoint folder holds besides training/ (the trainer's product), and where a resume finds the
/// fp32 master weights again.</summary>
public interface ICheckpointContent
{
    /// <summary>The checkpoint folder the run was loaded from, if any: never pruned (later saves may copy from it).</summary>
    string? SourceDir { get; }

    /// <summary>Writes the product of a checkpoint into <paramref name="folder"/> (a temporary folder renamed when complete).</summary>
    void Write(string folder, TrainingState state, IEnumerable<KeyValuePair<string, Tensor>> masters);

    /// <summary>Restores the masters of a resumed run from the checkpoint folder <paramref name="checkpointDir"/>.</summary>
    void LoadMasters(MixedPrecisionOptimizer optimizer, string checkpointDir);
}
