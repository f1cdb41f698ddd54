namespace KosmosG.Adapters;

/// <summary>Where LoRAs and ControlNets are found by name, how many stay loaded, and how many one request may use.</summary>
public sealed record AdapterOptions
{
    /// <summary>Folders of LoRA .safetensors files (the model folder's loras/ is always searched too).</summary>
    public IReadOnlyList<string> LoraFolders { get; init; } = [];
    /// <summary>Folders of ControlNets: diffusers sub-folders or single files (the model folder's controlnets/ too).</summary>
    public IReadOnlyList<string> ControlNetFolders { get; init; } = [];
    /// <summary>Accept file and folder paths as names (the CLI; never the service).</summary>
    public bool AllowPaths { get; init; }
    public int LoraCacheSize { get; init; } = 8;
    public int ControlNetCacheSize { get; init; } = 4;
    public int MaxLoras { get; init; } = 8;
    public int MaxControlNets { get; init; } = 4;
}
