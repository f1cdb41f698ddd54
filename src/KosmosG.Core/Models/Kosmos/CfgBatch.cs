using static TorchSharp.torch;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// Classifier-free-guidance batch layout of the official <c>encode_condition</c>: the unconditional embedding
/// repeated B·n times, then the whole conditional block [c0, c1, ..] repeated n times (c0, c1, .., c0, c1, ..).
/// The U-Net is called on cat([latents]*2), so the first half of its output is unconditional.
/// </summary>
public static class CfgBatch
{
    /// <param name="uncond">[1, Q, W] unconditional embedding.</param>
    /// <param name="cond">[B, Q, W] conditions of B prompts.</param>
    /// <param name="imagesPerPrompt">n >= 1.</param>
    /// <returns>[2·B·n, Q, W]</returns>
    public static Tensor Build(Tensor uncond, Tensor cond, int imagesPerPrompt)
    {
        if (imagesPerPrompt < 1)
            throw new ArgumentOutOfRangeException(nameof(imagesPerPrompt), imagesPerPrompt, "images per prompt must be at least 1");
        if (cond.dim() != 3)
            throw new ArgumentException($"conditions must be [B, Q, W]; got [{string.Join(", ", cond.shape)}]", nameof(cond));
        if (uncond.dim() != 3 || uncond.shape[0] != 1 || uncond.shape[1] != cond.shape[1] || uncond.shape[2] != cond.shape[2])
            throw new ArgumentException(
                $"unconditional embedding must be [1, {cond.shape[1]}, {cond.shape[2]}]; got [{string.Join(", ", uncond.shape)}]", nameof(uncond));
        return cat([uncond.repeat(cond.shape[0] * imagesPerPrompt, 1, 1), cond.repeat(imagesPerPrompt, 1, 1)], 0);
    }
}
