using KosmosG.Pipelines;

namespace KosmosG.Service.Workers;

/// <summary>Loads a model folder onto a device in a dtype; the production registration is
/// <c>KosmosG.Pipelines.ImageGenerators.Load</c> (see Program.cs).</summary>
public delegate IImageGenerator ImageGeneratorLoader(string modelPath, string device, string dtype);
