namespace KosmosG.Training.Demo;

/// <summary>
/// Writes a folder under <c>NAME.partial</c> and renames it once complete: the recipe skips a step whose folder
/// exists, so an interrupted write must never leave one that looks finished.
/// </summary>
public static class StagingFolder
{
    public static void Write(string output, Action<string> write)
    {
        var partial = Path.GetFullPath(output).TrimEnd('/') + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        write(partial);
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        Directory.Move(partial, output);
    }
}
