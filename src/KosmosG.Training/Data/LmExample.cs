namespace KosmosG.Training.Data;

/// <summary>
/// A stage-1 (multimodal language modelling) example: an image-caption pair <c>{"caption": "...", "image":
/// "scenes/x.png"}</c> (the manifest ToyDatasetWriter.WriteScenes writes) or a plain caption <c>{"caption": "..."}</c>.
/// The image path is absolute (resolved against the manifest folder and checked when the manifest is read).
/// </summary>
public sealed record LmExample(string Caption, string? ImagePath, int Line)
{
    public static IReadOnlyList<LmExample> ReadManifest(string path) => JsonlManifest.Read(path, Parse);

    public static LmExample Parse(ManifestLine line)
    {
        var caption = line.RequiredString("caption");
        if (caption.Contains(InstructExample.ImageMarker, StringComparison.Ordinal))
            throw line.Error($"a caption cannot hold {InstructExample.ImageMarker}: the image of a stage-1 pair always precedes its caption");
        return new LmExample(caption, line.Has("image") ? line.RequiredFile("image") : null, line.LineNumber);
    }
}
