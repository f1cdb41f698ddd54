namespace KosmosG.Service.Tests.Support;

/// <summary>The repository's root (where KosmosG.Service.sln is), for tests that read its deployment files.</summary>
public static class RepoRoot
{
    public static readonly string Path = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "KosmosG.Service.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("KosmosG.Service.sln not found above " + AppContext.BaseDirectory);
    }
}
