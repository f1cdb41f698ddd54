using KosmosG.Training.Data;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>A prompt prepared on the prefetch thread (managed data only): ids, the image slots and the images' pixels.</summary>
public sealed record PreparedPrompt(long[] Tokens, bool[]? ImageMask, float[][] Images);

/// <summary>
/// The frozen part that turns prompts into the U-Net's condition [B, L, D]: KOSMOS-G (MLLM + AlignerNet, interleaved
/// prompts with images) for a KOSMOS-G folder, the CLIP text encoder for an SD v1.x folder.
/// </summary>
public interface IConditionEncoder : IDisposable
{
    PreparedPrompt Prepare(InstructExample example, Random random);
    /// <summary>The condition of <paramref name="prompts"/>, no gradient.</summary>
    Tensor Encode(IReadOnlyList<PreparedPrompt> prompts);
    /// <summary>The condition classifier-free guidance pairs with a prompt, [1, L, D].</summary>
    Tensor Unconditional();
}
