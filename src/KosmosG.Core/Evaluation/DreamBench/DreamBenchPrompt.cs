namespace KosmosG.Evaluation.DreamBench;

/// <summary>
/// Prompt k of one reference in the official generation order: global index g = reference * 25 + k falls in batch
/// g / 5 at slot g % 5; its n images are rows c * 5 + slot of that batch (condition.repeat(n, 1, 1)) and are named with
/// pos = batch * 5 * n + c * 5 + slot (one process), as sample_kosmosg_dreambench.py names them.
/// </summary>
public sealed record DreamBenchPrompt(DreamBenchReference Reference, int K, int Batch, int Slot, int ImagesPerPrompt)
{
    /// <summary>Prompts per generation batch in the official script (args.batch_size).</summary>
    public const int BatchPrompts = 5;

    public string MetricText => DreamBenchPrompts.MetricText(Reference.Subject, K);
    public string KosmosGPrompt => DreamBenchPrompts.KosmosGPrompt(Reference.Subject, K);

    /// <summary>Row of copy c in its batch's noise [5 * n, ...].</summary>
    public int NoiseRow(int copy) => copy * BatchPrompts + Slot;

    public long Pos(int copy) => (long)Batch * BatchPrompts * ImagesPerPrompt + NoiseRow(copy);

    public string FileName(int copy) => DreamBenchSample.FileName(Reference.Subject, Reference.ObjectId, Pos(copy), MetricText);

    /// <summary>25 prompts per reference, in order.</summary>
    public static IReadOnlyList<DreamBenchPrompt> All(IReadOnlyList<DreamBenchReference> references, int imagesPerPrompt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imagesPerPrompt);
        var prompts = new List<DreamBenchPrompt>(references.Count * DreamBenchPrompts.PromptsPerSubject);
        for (var r = 0; r < references.Count; r++)
            for (var k = 0; k < DreamBenchPrompts.PromptsPerSubject; k++)
            {
                var g = r * DreamBenchPrompts.PromptsPerSubject + k;
                prompts.Add(new DreamBenchPrompt(references[r], k, g / BatchPrompts, g % BatchPrompts, imagesPerPrompt));
            }
        return prompts;
    }
}
