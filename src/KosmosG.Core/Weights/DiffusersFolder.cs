using System.Text.Json;

namespace KosmosG.Weights;

/// <summary>One entry of model_index.json: the component's library and class (e.g. diffusers, UNet2DConditionModel).</summary>
public sealed record DiffusersComponent(string Name, string Library, string ClassName);

/// <summary>
/// A diffusers pipeline folder (what <c>save_pretrained</c> writes): model_index.json names the components, each in
/// its own sub-folder with a config and, for models, safetensors weights. Every error names the folder or file.
/// </summary>
public sealed class DiffusersFolder
{
    static readonly string[] WeightNames = ["diffusion_pytorch_model", "model"];
    static readonly string[] PyTorchBinNames = ["diffusion_pytorch_model", "pytorch_model"];

    readonly Dictionary<string, DiffusersComponent> _components;

    DiffusersFolder(string root, string? pipelineClass, Dictionary<string, DiffusersComponent> components)
    {
        Root = root;
        PipelineClass = pipelineClass;
        _components = components;
    }

    public string Root { get; }

    /// <summary>model_index.json's _class_name, e.g. StableDiffusionPipeline.</summary>
    public string? PipelineClass { get; }

    /// <summary>The components present ([null, null] entries such as a removed safety_checker are left out).</summary>
    public IReadOnlyCollection<DiffusersComponent> Components => _components.Values;

    public static DiffusersFolder Open(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"diffusers pipeline folder not found: {root}");
        var indexPath = Path.Combine(root, "model_index.json");
        if (!File.Exists(indexPath)) throw new FileNotFoundException($"'{root}' is not a diffusers pipeline folder: it has no model_index.json", indexPath);

        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(indexPath)); }
        catch (JsonException e) { throw new InvalidDataException($"'{indexPath}' is not valid JSON ({e.Message})", e); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"'{indexPath}' is not a JSON object");

        string? pipelineClass = null;
        var components = new Dictionary<string, DiffusersComponent>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == "_class_name" && prop.Value.ValueKind == JsonValueKind.String) pipelineClass = prop.Value.GetString();
            // Other keys are options (e.g. requires_safety_checker: false) or metadata (_diffusers_version).
            if (prop.Name.StartsWith('_') || prop.Value.ValueKind != JsonValueKind.Array) continue;
            var entry = prop.Value.EnumerateArray().ToArray();
            if (entry.Length == 2 && entry.All(e => e.ValueKind == JsonValueKind.Null)) continue;
            if (entry.Length != 2 || entry.Any(e => e.ValueKind != JsonValueKind.String))
                throw new InvalidDataException($"'{indexPath}': component '{prop.Name}' is {prop.Value.GetRawText()}, expected [library, class]");
            components[prop.Name] = new DiffusersComponent(prop.Name, entry[0].GetString()!, entry[1].GetString()!);
        }
        return new DiffusersFolder(root, pipelineClass, components);
    }

    public bool HasComponent(string name) => _components.ContainsKey(name);

    public DiffusersComponent Component(string name) =>
        _components.TryGetValue(name, out var component)
            ? component
            : throw new ArgumentException($"diffusers pipeline '{Root}' has no component '{name}' (it has: {string.Join(", ", _components.Keys)})", nameof(name));

    public string ClassName(string name) => Component(name).ClassName;

    public string ComponentDir(string name)
    {
        Component(name);
        var dir = Path.Combine(Root, name);
        return Directory.Exists(dir) ? dir : throw new DirectoryNotFoundException($"diffusers pipeline '{Root}' lists component '{name}' but has no folder {dir}");
    }

    /// <summary>
    /// The component's configuration: config.json for models, scheduler_config.json for schedulers,
    /// preprocessor_config.json for image processors, and the folder itself for tokenizers (several files).
    /// </summary>
    public string ConfigPath(string name)
    {
        var dir = ComponentDir(name);
        var className = ClassName(name);
        if (className.Contains("Tokenizer", StringComparison.Ordinal)) return dir;
        var file = className.EndsWith("Scheduler", StringComparison.Ordinal) ? "scheduler_config.json"
            : className.EndsWith("ImageProcessor", StringComparison.Ordinal) || className.EndsWith("FeatureExtractor", StringComparison.Ordinal) ? "preprocessor_config.json"
            : "config.json";
        var path = Path.Combine(dir, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"diffusers component '{name}' ({className}) has no {file} in {dir}", path);
    }

    /// <summary>
    /// The component's safetensors weights (diffusion_pytorch_model.safetensors or model.safetensors); with a
    /// <paramref name="variant"/> such as "fp16" the variant file (diffusion_pytorch_model.fp16.safetensors) when
    /// present, else the plain one.
    /// </summary>
    public string WeightsPath(string name, string? variant = null)
    {
        var dir = ComponentDir(name);
        var suffixes = string.IsNullOrEmpty(variant) ? [".safetensors"] : new[] { $".{variant}.safetensors", ".safetensors" };
        foreach (var suffix in suffixes)
            foreach (var stem in WeightNames)
            {
                var path = Path.Combine(dir, stem + suffix);
                if (File.Exists(path)) return path;
            }

        if (WeightNames.Any(stem => File.Exists(Path.Combine(dir, stem + ".safetensors.index.json"))))
            throw new InvalidDataException($"diffusers component '{name}' in {dir} has sharded weights (*.safetensors.index.json), which are not supported: save it unsharded (save_pretrained(..., max_shard_size=\"100GB\"))");
        var bin = Directory.EnumerateFiles(dir, "*.bin").Select(Path.GetFileName).FirstOrDefault(f => PyTorchBinNames.Any(stem => f!.StartsWith(stem, StringComparison.Ordinal)));
        if (bin is not null)
            throw new InvalidDataException($"diffusers component '{name}' in {dir} has only PyTorch weights ({bin}); PyTorch .bin is not supported. " +
                "Convert it to safetensors, e.g. load the pipeline in Python and call save_pretrained(path, safe_serialization=True)");
        throw new FileNotFoundException($"diffusers component '{name}' has no weights in {dir} (expected {string.Join(" or ", WeightNames.Select(s => s + suffixes[0]))})");
    }
}
