namespace KosmosG.Training.Adapters;

/// <summary>A micro-batch as the prefetch thread prepares it: prompts, target pixels in [-1, 1], control maps in [0, 1] and
/// loss masks in [0, 1] (null when no example of the batch has one; an example without one is all ones).</summary>
public sealed record AdapterBatch(IReadOnlyList<PreparedPrompt> Prompts, float[][] Targets, float[][]? Controls, int Resolution, float[][]? Masks = null)
{
    public int Count => Prompts.Count;
}
