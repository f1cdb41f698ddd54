namespace KosmosG.Pipelines;

/// <summary>Loads whichever model a folder holds: a KOSMOS-G model folder or a diffusers Stable Diffusion folder.</summary>
public static class ImageGenerators
{
    public static IImageGenerator Load(string modelPath, string device, string dtype) =>
        Load(modelPath, ComputeOptions.Parse(device, dtype));

    public static DiffusionPipeline Load(string modelPath, ComputeOptions compute)
    {
        if (!Directory.Exists(modelPath)) throw new DirectoryNotFoundException($"model folder not found: {modelPath}");
        if (KosmosGModelFolder.IsKosmosG(modelPath)) return KosmosGPipeline.Load(modelPath, compute);
        if (File.Exists(Path.Combine(modelPath, "model_index.json"))) return StableDiffusionPipeline.Load(modelPath, compute);
        throw new InvalidDataException(
            $"'{modelPath}' is neither a KOSMOS-G model folder ({KosmosGModelFolder.WeightsFile} + {KosmosGModelFolder.DictionaryFile}) nor a diffusers folder (model_index.json)");
    }
}
