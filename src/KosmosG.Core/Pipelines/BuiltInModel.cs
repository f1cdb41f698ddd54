namespace KosmosG.Pipelines;

/// <summary>
/// The demo model shipped in the repository (<c>models/demo</c>), used when no model is configured. It is found by
/// walking up from the given folders (the working directory, the binaries' folder), so it resolves from the
/// repository root, from a project folder under <c>dotnet run</c> and from build output alike.
/// </summary>
public static class BuiltInModel
{
    public const string RelativePath = "models/demo";

    /// <summary>The built-in model above this process's working directory or its binaries, or null.</summary>
    public static string? Locate() => Find(Directory.GetCurrentDirectory(), AppContext.BaseDirectory);

    /// <summary>The architecture single-file SD v1.x checkpoints get when no config folder is given (diffusers configs).</summary>
    public const string SingleFileConfigRelativePath = "configs/sd-v1-5";

    public static string? Find(params string[] startFolders) => FindAbove(RelativePath, KosmosGModelFolder.ConfigFile, startFolders);

    /// <summary>configs/sd-v1-5 above the working directory or the binaries, or null.</summary>
    public static string? LocateSingleFileConfig() =>
        FindAbove(SingleFileConfigRelativePath, Path.Combine("unet", "config.json"), Directory.GetCurrentDirectory(), AppContext.BaseDirectory);

    static string? FindAbove(string relativePath, string marker, params string[] startFolders)
    {
        foreach (var start in startFolders)
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relativePath);
                if (File.Exists(Path.Combine(candidate, marker))) return candidate;
            }
        return null;
    }
}
