namespace KosmosG.Training.Instruct;

/// <summary>
/// Prepared stage-3 micro-batch (managed data, built on the prefetch thread): per example the prompt ids and
/// image mask, the CLIP-preprocessed entity images in prompt order ([3, S, S] each, float32), the target
/// image in [-1, 1] ([3, R, R]) and, for caption alignment, the examples whose target caption is known and the SD
/// text encoder ids of those captions ([C x L] row-major, in the same order; both empty when caption alignment is off).
/// </summary>
public sealed record InstructBatch(long[][] Tokens, bool[][] ImageMasks, float[][] EntityPixels, int EntitySize, float[][] TargetPixels, int Resolution,
    long[] CaptionRows, long[] CaptionIds)
{
    public int Count => Tokens.Length;
}
