namespace KosmosG.Tests.Training;

/// <summary>
/// Tests that change libtorch's process-wide intra-op thread count run alone, after the parallel ones: other tests
/// compare training runs bit for bit, and a thread count changed under them changes their summation order.
/// </summary>
[CollectionDefinition(nameof(ProcessWideThreadCount), DisableParallelization = true)]
public sealed class ProcessWideThreadCount;
