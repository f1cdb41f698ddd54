using KosmosG.Adapters.Lora;
using KosmosG.Imaging;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Weights.SingleFile;

namespace KosmosG.Adapters;

/// <summary>
/// The LoRAs and ControlNets a loaded model can use: names resolved in the configured folders (plus the model folder's
/// loras/ and controlnets/), files kept in LRU caches (ControlNets already on the model's device and dtype), and the
/// request checks that need no weights.
/// </summary>
public sealed class AdapterLibrary : IDisposable
{
    public const string LoraFolderName = "loras";
    public const string ControlNetFolderName = "controlnets";
    static readonly string[] LoraExtensions = [".safetensors"];
    static readonly string[] ControlNetExtensions = [".safetensors", ".pth", ".ckpt"];

    readonly ComputeOptions _compute;
    readonly UNet2DConditionConfig _unet;
    readonly LruCache<LoraFile> _loras;
    readonly LruCache<ControlNetModel> _controlNets;

    public AdapterLibrary(AdapterOptions options, string modelDir, ComputeOptions compute, UNet2DConditionConfig unet)
    {
        Options = options;
        _compute = compute;
        _unet = unet;
        Loras = LoraAssets(options, modelDir);
        ControlNets = ControlNetAssets(options, modelDir);
        _loras = new LruCache<LoraFile>(options.LoraCacheSize);
        // Every net of one request must stay loaded while it runs.
        _controlNets = new LruCache<ControlNetModel>(Math.Max(options.ControlNetCacheSize, options.MaxControlNets));
    }

    /// <summary>The LoRA names a model folder offers under these options (what the library resolves).</summary>
    public static AssetFolders LoraAssets(AdapterOptions options, string modelDir) =>
        new("loras", options.LoraFolders.Append(Path.Combine(modelDir, LoraFolderName)), LoraExtensions, false, options.AllowPaths);

    /// <summary>The ControlNet names a model folder offers under these options.</summary>
    public static AssetFolders ControlNetAssets(AdapterOptions options, string modelDir) =>
        new("controlnets", options.ControlNetFolders.Append(Path.Combine(modelDir, ControlNetFolderName)), ControlNetExtensions, true, options.AllowPaths);

    public AdapterOptions Options { get; }
    public AssetFolders Loras { get; }
    public AssetFolders ControlNets { get; }

    /// <summary>Checks counts, names, scales and schedules of a request (no weights are read).</summary>
    public void Validate(GenerationRequest request)
    {
        if (request.Loras.Count > Options.MaxLoras)
            throw new GenerationRequestException("loras", $"at most {Options.MaxLoras} LoRAs per request, got {request.Loras.Count}");
        if (request.ControlNets.Count > Options.MaxControlNets)
            throw new GenerationRequestException("controlnets", $"at most {Options.MaxControlNets} ControlNets per request, got {request.ControlNets.Count}");
        foreach (var lora in request.Loras)
        {
            if (!double.IsFinite(lora.Scale) || Math.Abs(lora.Scale) > 10)
                throw new GenerationRequestException("loras", $"LoRA '{lora.Name}': scale must be a number from -10 to 10, got {lora.Scale}");
            Loras.Resolve(lora.Name);
        }
        foreach (var control in request.ControlNets)
        {
            ControlNets.Resolve(control.Name);
            if (!double.IsFinite(control.ConditioningScale) || control.ConditioningScale < 0 || control.ConditioningScale > 10)
                throw new GenerationRequestException("controlnets", $"ControlNet '{control.Name}': conditioning_scale must be from 0 to 10, got {control.ConditioningScale}");
            if (!(control.GuidanceStart >= 0 && control.GuidanceStart < control.GuidanceEnd && control.GuidanceEnd <= 1))
                throw new GenerationRequestException("controlnets",
                    $"ControlNet '{control.Name}': need 0 <= guidance_start < guidance_end <= 1, got {control.GuidanceStart} and {control.GuidanceEnd}");
            if (!ControlPreprocessors.Names.Contains(control.Preprocessor))
                throw new GenerationRequestException("controlnets", $"unknown preprocessor '{control.Preprocessor}': use one of {string.Join(", ", ControlPreprocessors.Names)}");
            control.Image.Validate();
        }
    }

    public LoraFile Lora(string name)
    {
        var path = Loras.Resolve(name);
        return _loras.GetOrAdd(CacheKey(path), () => LoraFile.Read(path));
    }

    public ControlNetModel ControlNet(string name)
    {
        var path = ControlNets.Resolve(name);
        return _controlNets.GetOrAdd(CacheKey(path), () =>
        {
            var model = Directory.Exists(path)
                ? ControlNetModel.Load(Path.Combine(path, "config.json"), Path.Combine(path, "diffusion_pytorch_model.safetensors"), _compute.Device, _compute.DType)
                : ControlNetSingleFile.Load(path, _unet, _compute.Device, _compute.DType);
            try
            {
                model.Config.CheckFits(_unet, path);
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        });
    }

    /// <summary>A changed file is a new entry.</summary>
    static string CacheKey(string path)
    {
        var info = Directory.Exists(path) ? (FileSystemInfo)new DirectoryInfo(path) : new FileInfo(path);
        return $"{path}|{info.LastWriteTimeUtc.Ticks}";
    }

    public void Dispose()
    {
        _loras.Dispose();
        _controlNets.Dispose();
    }
}
