namespace KosmosG.Training.Adapters;

/// <summary>A micro-batch as the prefetch thread prepares it: prompts, target pixels in [-1, 1] and control maps in [0, 1].</summary>
public sealed record AdapterBatch(IReadOnlyList<PreparedPrompt> Prompts, float[][] Targets, float[][]? Controls, int Resolution)
{
    public int Count => Prompts.Count;
}
