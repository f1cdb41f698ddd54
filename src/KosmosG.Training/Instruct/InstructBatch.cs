namespace KosmosG.Training.Instruct;

/// <summary>
/// Prepared stage-3 micro-batch (managed data, built on the prefetch thread): per example the prompt ids and
/// image mask, the CLIP-preprocessed entity images in prompt order ([3, S, S] each, float32), the target
/// image in [-1, 1] ([3, R, R]) and, for caption alignment, the SD text encoder ids of the target caption
/// ([B x L] row-major; empty when caption alignment is off) and which examples have one.
/// </summary>
public sealed record InstructBatch(long[][] Tokens, bool[][] ImageMasks, float[][] EntityPixels, int EntitySize, float[][] TargetPixels, int Resolution,
    long[] CaptionIds, bool[] HasCaption)
{
    public int Count => Tokens.Length;
}
