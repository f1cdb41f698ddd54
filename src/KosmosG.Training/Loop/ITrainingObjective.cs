using KosmosG.Models.Kosmos;
using KosmosG.Training.Optimization;
using static TorchSharp.torch;

namespace KosmosG.Training.Loop;

/// <summary>Loss of one micro-batch (mean over its examples) and scalar metrics worth logging.</summary>
public sealed record ObjectiveOutput(Tensor Loss, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// A training stage: which parameters train, how examples become a batch (on the prefetch thread, managed data
/// only), and the loss (on the training thread). Randomness comes only from the per-example
/// <see cref="Random"/> given to <see cref="Build"/> and the <see cref="Generator"/> given to <see cref="Forward"/>,
/// both derived from the seed and the data/update position, which makes resumed runs exact.
/// </summary>
public interface ITrainingObjective<TExample, TBatch> : IDisposable
{
    /// <summary>"align", "instruct", "lora", "controlnet" (recorded in checkpoints; a resume must match).</summary>
    string Stage { get; }
    IReadOnlyList<NamedParameter> Trainable { get; }
    TBatch Build(IReadOnlyList<TExample> examples, IReadOnlyList<Random> random);
    int Count(TBatch batch);
    ObjectiveOutput Forward(TBatch batch, Generator generator);
}

/// <summary>A KOSMOS-G training stage: its product is the whole model.</summary>
public interface IKosmosGObjective<TExample, TBatch> : ITrainingObjective<TExample, TBatch>
{
    KosmosGModel Model { get; }
}
