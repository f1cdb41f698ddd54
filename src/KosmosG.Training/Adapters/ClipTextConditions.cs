using KosmosG.Training.Alignment;
using KosmosG.Training.Data;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>SD v1.x's condition: the frozen CLIP text encoder on captions (the empty prompt is the unconditional one).</summary>
public sealed class ClipTextConditions(ClipTextTargets clip) : IConditionEncoder
{
    public PreparedPrompt Prepare(InstructExample example, Random random) =>
        example.Kind == InstructKind.Caption
            ? new PreparedPrompt(clip.Encode(example.Text!), null, [])
            : throw new InvalidDataException($"manifest line {example.Line}: a Stable Diffusion folder reads captions only (interleaved prompts and subject images need a KOSMOS-G folder)");

    public Tensor Encode(IReadOnlyList<PreparedPrompt> prompts) => clip.Forward(prompts.SelectMany(p => p.Tokens).ToArray(), prompts.Count);

    public Tensor Unconditional() => clip.Forward(clip.Encode(""), 1);

    public void Dispose() => clip.Dispose();
}
