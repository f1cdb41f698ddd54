using KosmosG.Adapters;
using KosmosG.Pipelines;

namespace KosmosG.Tests.ControlNet;

/// <summary>The sd15-tiny pipeline with the sd15-extras-tiny ControlNets and LoRAs available by name (fp32, CPU).</summary>
public sealed class Sd15ExtrasPipeline : IDisposable
{
    public static AdapterOptions Adapters { get; } = new()
    {
        ControlNetFolders = [Fixtures.Sd15Extras, Path.Combine(Fixtures.Sd15Extras, "controlnet_single_file")],
        LoraFolders = [Path.Combine(Fixtures.Sd15Extras, "lora"), Path.Combine(Fixtures.Sd15Extras, "lora", "diffusers")],
    };

    readonly Lazy<StableDiffusionPipeline> _pipeline =
        new(() => StableDiffusionPipeline.Load(Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu, adapters: Adapters));

    public StableDiffusionPipeline Pipeline => _pipeline.Value;

    public void Dispose()
    {
        if (_pipeline.IsValueCreated) _pipeline.Value.Dispose();
    }
}
