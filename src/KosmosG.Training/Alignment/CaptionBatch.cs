namespace KosmosG.Training.Alignment;

/// <summary>Prepared stage-2 micro-batch: MLLM ids per caption (unpadded) and CLIP ids ([B x 77] row-major).</summary>
public sealed record CaptionBatch(long[][] Tokens, long[] ClipIds)
{
    public int Count => Tokens.Length;
}
