using KosmosG.Adapters;

namespace KosmosG.Pipelines;

/// <summary>How to load a model beyond its path: LoRA/ControlNet folders and a single-file decoder or model's architecture.</summary>
public sealed record ModelLoadOptions
{
    public AdapterOptions Adapters { get; init; } = new();
    /// <summary>KOSMOS-G: a single-file SD v1.x checkpoint to use as the decoder instead of the folder's sd/.</summary>
    public string? Decoder { get; init; }
    /// <summary>The diffusers config folder of a single-file model or decoder (default: configs/sd-v1-5 for a single-file
    /// model, the KOSMOS-G folder's sd/ for a decoder).</summary>
    public string? ModelConfig { get; init; }
}

/// <summary>Loads whichever model a path holds: a KOSMOS-G model folder, a diffusers Stable Diffusion folder, or a
/// single-file SD v1.x checkpoint.</summary>
public static class ImageGenerators
{
    public static IImageGenerator Load(string modelPath, string device, string dtype) =>
        Load(modelPath, ComputeOptions.Parse(device, dtype));

    public static DiffusionPipeline Load(string modelPath, ComputeOptions compute, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        if (File.Exists(modelPath))
        {
            var config = options.ModelConfig ?? BuiltInModel.LocateSingleFileConfig()
                ?? throw new DirectoryNotFoundException($"'{modelPath}' is a single-file checkpoint: give its diffusers config folder (--model-config DIR); {BuiltInModel.SingleFileConfigRelativePath} was not found");
            return StableDiffusionPipeline.LoadSingleFile(modelPath, config, compute, options.Adapters);
        }
        if (!Directory.Exists(modelPath)) throw new DirectoryNotFoundException($"model folder not found: {modelPath}");
        if (KosmosGModelFolder.IsKosmosG(modelPath))
            return KosmosGPipeline.Load(modelPath, compute, adapters: options.Adapters, decoder: options.Decoder, decoderConfig: options.ModelConfig);
        if (options.Decoder is not null) throw new ArgumentException("a single-file decoder replaces a KOSMOS-G model's sd/ folder: the model is a Stable Diffusion folder");
        if (File.Exists(Path.Combine(modelPath, "model_index.json"))) return StableDiffusionPipeline.Load(modelPath, compute, adapters: options.Adapters);
        throw new InvalidDataException(
            $"'{modelPath}' is neither a KOSMOS-G model folder ({KosmosGModelFolder.WeightsFile} + {KosmosGModelFolder.DictionaryFile}) nor a diffusers folder (model_index.json)");
    }
}
