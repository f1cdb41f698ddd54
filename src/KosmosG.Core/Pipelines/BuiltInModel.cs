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

    public static string? Find(params string[] startFolders)
    {
        foreach (var start in startFolders)
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(Path.Combine(candidate, KosmosGModelFolder.ConfigFile))) return candidate;
            }
        return null;
    }
}
