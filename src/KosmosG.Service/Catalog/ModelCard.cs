using KosmosG.Pipelines;

namespace KosmosG.Service.Catalog;

/// <summary>
/// What a worker publishes once its model has loaded: what the model is (kind, name, dtype, defaults, how many
/// images a prompt may carry) and its request checks, which need only the tokenizer. Immutable and thread-safe, so
/// the API and admission read it on any thread and never call a worker.
/// </summary>
public sealed record ModelCard(GeneratorInfo Info, IRequestValidator Validator)
{
    /// <summary>A request with the model's defaults (empty prompt), for a request's own fields to overwrite.</summary>
    public GenerationRequest NewRequest(long seed)
    {
        var d = Info.Defaults;
        return new GenerationRequest
        {
            Prompt = "", Steps = d.Steps, GuidanceScale = d.GuidanceScale, Scheduler = d.Scheduler, Width = d.Width, Height = d.Height,
            Seed = seed,
        };
    }
}
