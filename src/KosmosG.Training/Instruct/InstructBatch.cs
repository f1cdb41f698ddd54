namespace KosmosG.Training.Instruct;

/// <summary>
/// Prepared stage-3 micro-batch (managed data, built on the prefetch thread): per example the prompt ids and
/// image mask, the CLIP-preprocessed entity images in prompt order ([3, S, S] each, float32) and the target
/// image in [-1, 1] ([3, R, R]).
/// </summary>
public sealed record InstructBatch(long[][] Tokens, bool[][] ImageMasks, float[][] EntityPixels, int EntitySize, float[][] TargetPixels, int Resolution)
{
    public int Count => Tokens.Length;
}
