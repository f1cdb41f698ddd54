namespace KosmosG.Training.Checkpoints;

/// <summary>
/// Writes a folder under <c>NAME.partial</c> and renames it once complete: readers take a folder that exists as
/// finished (the demo recipe skips its step, a resume loads it), so an interrupted write must never leave one.
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
