using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>Result of a scheduler step; PredOriginalSample (the x0 estimate) is null where diffusers does not return it.</summary>
public sealed record SchedulerStepOutput(Tensor PrevSample, Tensor? PredOriginalSample);
