using KosmosG.Pipelines;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Workers;

/// <summary>
/// Loads KosmosG:Model:Path in KosmosG:Model:DType through the registered <see cref="ImageGeneratorLoader"/>
/// (<c>ImageGenerators.Load</c>: a KOSMOS-G model folder or a diffusers Stable Diffusion folder).
/// </summary>
public sealed class ImageGeneratorFactory(IOptions<KosmosGOptions> options, ImageGeneratorLoader loader) : IImageGeneratorFactory
{
    readonly ModelOptions _model = options.Value.Model;
    readonly KosmosG.Adapters.AdapterOptions _adapters = options.Value.Adapters.ToCore();

    public IImageGenerator Create(string device)
    {
        if (!Directory.Exists(_model.Path))
            throw new DirectoryNotFoundException(
                $"KosmosG:Model:Path: the model folder '{Path.GetFullPath(_model.Path)}' does not exist.");
        return loader(_model.Path, device, _model.DType, _adapters);
    }
}
