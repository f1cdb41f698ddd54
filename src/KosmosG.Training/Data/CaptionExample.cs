namespace KosmosG.Training.Data;

/// <summary>
/// A stage-2 (alignment) example: one caption, {"caption": "..."} per manifest line. The MLLM reads
/// "&lt;s&gt; caption" and the frozen CLIP text encoder of the same caption is the target.
/// </summary>
public sealed record CaptionExample(string Caption, int Line)
{
    public static IReadOnlyList<CaptionExample> ReadManifest(string path) =>
        JsonlManifest.Read(path, line => new CaptionExample(line.RequiredString("caption"), line.LineNumber));
}
