namespace KosmosG.Training.Language;

/// <summary>
/// Prepared stage-1 micro-batch: per example the whole sequence (<c>&lt;s&gt; [&lt;image&gt; slots &lt;/image&gt;]
/// caption &lt;/s&gt;</c>, unpadded), its image-slot mask and its loss mask (true on caption tokens and &lt;/s&gt;),
/// plus the preprocessed pixels of every image in sequence order ([3 x S x S] each).
/// </summary>
public sealed record LmBatch(long[][] Tokens, bool[][] ImageMasks, bool[][] LossMasks, float[][] Pixels, int ImageSize)
{
    public int Count => Tokens.Length;
}
