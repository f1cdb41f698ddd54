namespace KosmosG.Pipelines;

/// <summary>A diffusion pipeline's request checks: the shared ranges (with the VAE's size multiple), then the
/// prompt check of the kind of model.</summary>
public sealed class RequestValidator(GenerationLimits limits, Action<GenerationRequest> checkPrompt) : IRequestValidator
{
    public void Validate(GenerationRequest request)
    {
        limits.Check(request);
        checkPrompt(request);
    }
}
