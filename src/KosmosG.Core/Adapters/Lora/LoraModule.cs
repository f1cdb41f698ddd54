using static TorchSharp.torch;

namespace KosmosG.Adapters.Lora;

/// <summary>Which model a LoRA entry patches.</summary>
public enum LoraComponent { Unet, TextEncoder }

/// <summary>
/// The low-rank update of one layer: W x + factor * up(down(x)), with down [r, in] or [r, in, kh, kw] and up [out, r] or
/// [out, r, 1, 1] (CPU tensors as stored). <see cref="Factor"/> is alpha / r (1 when the file stores no alpha).
/// </summary>
/// <param name="Name">The layer's path in the model, dotted (diffusers, PEFT) or with '_' for '.' (kohya).</param>
/// <param name="Key">The first file key of the entry, for error messages.</param>
public sealed record LoraModule(LoraComponent Component, string Name, bool Underscored, Tensor Down, Tensor Up, double Factor, string Key)
{
    public long Rank => Down.shape[0];
}
