using KosmosG.Training.Optimization;

namespace KosmosG.Training.StandIn;

/// <summary>
/// What the stage-0 loops share: AdamW as diffusers' training scripts set it up for models trained from scratch
/// (betas 0.9/0.999, eps 1e-8, clipping at 1), not the fairseq recipe of the KOSMOS-G stages; and how often they print.
/// </summary>
public static class StandInOptimizer
{
    public static OptimizerSettings Settings { get; } = new() { Beta2 = 0.999, Eps = 1e-8, ClipNorm = 1.0 };

    public const int PrintEvery = 50;

    public static bool Print(int step, int steps) => step % PrintEvery == 0 || step == steps;
}
