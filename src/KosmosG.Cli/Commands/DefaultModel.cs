using KosmosG.Cli.Terminal;

namespace KosmosG.Cli.Commands;

/// <summary>The model used when --model is not given: the demo model shipped in the repository, once it exists.</summary>
public static class DefaultModel
{
    public const string RelativePath = "models/demo";

    public static string Path()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, RelativePath);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new UsageException($"--model is required: no built-in model found ({RelativePath})");
    }
}
