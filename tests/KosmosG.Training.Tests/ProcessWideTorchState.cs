namespace KosmosG.Tests.Training;

/// <summary>
/// Tests that change libtorch's process-wide state (the intra-op thread count) or compare training runs bit for bit
/// run alone, after the parallel ones: a thread count changed under a run changes its summation order, and a model
/// built while a parallel test holds the default dtype at fp16/bf16 (TorchDefaults.Build) starts from other weights.
/// </summary>
[CollectionDefinition(nameof(ProcessWideTorchState), DisableParallelization = true)]
public sealed class ProcessWideTorchState;
