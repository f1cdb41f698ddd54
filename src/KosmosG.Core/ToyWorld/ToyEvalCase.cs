namespace KosmosG.ToyWorld;

/// <summary>
/// One evaluation prompt: what is expected (<see cref="Composition"/>), the prompt with its subject images as the model
/// gets it, and the seed of its generation.
/// </summary>
public sealed class ToyEvalCase
{
    public ToyEvalCase(int index, ToyComposition composition, long seed)
    {
        ArgumentNullException.ThrowIfNull(composition);
        Index = index;
        Composition = composition;
        Seed = seed;
        Prompt = ToyCaptions.Interleaved(composition);
    }

    public int Index { get; }
    public ToyComposition Composition { get; }
    public long Seed { get; }
    public ToyInterleavedPrompt Prompt { get; }

    /// <summary>The same scene and seed with every object described by text: the stage-0 reference's prompt.</summary>
    public ToyEvalCase AsTextOnly() => new(Index, new ToyComposition(Composition.Scene), Seed);
}
