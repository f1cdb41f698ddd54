using KosmosG.Pipelines;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Jobs;

/// <summary>
/// Loads KosmosG:Model:Path in KosmosG:Model:DType through the registered <see cref="ImageGeneratorLoader"/>.
/// Without a loader the service refuses to start rather than serve anything but the real model.
/// </summary>
public sealed class ImageGeneratorFactory : IImageGeneratorFactory
{
    readonly ImageGeneratorLoader _loader;
    readonly ModelOptions _model;

    public ImageGeneratorFactory(IOptions<KosmosGOptions> options, ImageGeneratorLoader? loader = null)
    {
        _loader = loader ?? throw new InvalidOperationException(
            "No model loader is registered: register an ImageGeneratorLoader (KosmosG.Pipelines.ImageGenerators.Load) " +
            "in Program.cs so the service can load KosmosG:Model:Path.");
        _model = options.Value.Model;
    }

    public IImageGenerator Create(string device)
    {
        if (!Directory.Exists(_model.Path))
            throw new DirectoryNotFoundException(
                $"KosmosG:Model:Path: the model folder '{Path.GetFullPath(_model.Path)}' does not exist.");
        return _loader(_model.Path, device, _model.DType);
    }
}
