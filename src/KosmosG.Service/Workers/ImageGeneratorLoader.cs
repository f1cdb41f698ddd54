using KosmosG.Pipelines;

namespace KosmosG.Service.Workers;

/// <summary>Loads a model folder onto a device in a dtype, with the LoRA/ControlNet folders and limits; the production registration is
/// <c>KosmosG.Pipelines.ImageGenerators.Load</c> (see Program.cs).</summary>
public delegate IImageGenerator ImageGeneratorLoader(string modelPath, string device, string dtype, KosmosG.Adapters.AdapterOptions adapters);
