using KosmosG.Pipelines;

namespace KosmosG.Service.Workers;

/// <summary>Creates the model a device worker owns. Called on that worker's dedicated thread.</summary>
public interface IImageGeneratorFactory
{
    IImageGenerator Create(string device);
}
