using KosmosG.Pipelines;

namespace KosmosG.Tests.Pipelines;

/// <summary>The sd15-tiny diffusers pipeline loaded once per test class (fp32, CPU).</summary>
public sealed class Sd15TinyPipeline : IDisposable
{
    readonly Lazy<StableDiffusionPipeline> _pipeline = new(() => StableDiffusionPipeline.Load(Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu));

    public StableDiffusionPipeline Pipeline => _pipeline.Value;

    public void Dispose()
    {
        if (_pipeline.IsValueCreated) _pipeline.Value.Dispose();
    }
}
