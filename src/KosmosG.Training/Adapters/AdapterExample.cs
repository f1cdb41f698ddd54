using KosmosG.Training.Data;

namespace KosmosG.Training.Adapters;

/// <summary>
/// An adapter training example: a stage-3 style line ({"caption", "target"}, {"prompt" with &lt;i&gt;, "images", "target"}
/// or a composition), for a ControlNet its control map ("control": the picture the ControlNet reads, e.g. an edge map),
/// and optionally a loss mask ("mask": white where the loss counts most, see <see cref="AdapterSettings.MaskBackgroundWeight"/>).
/// </summary>
public sealed record AdapterExample(InstructExample Prompt, string? ControlPath, string? MaskPath = null)
{
    public static IReadOnlyList<AdapterExample> ReadManifest(string path, bool control) => JsonlManifest.Read(path, line =>
    {
        if (line.Has("instruction")) throw line.Error("edit examples (\"instruction\") are not adapter training data");
        var prompt = InstructExample.Parse(line);
        return new AdapterExample(prompt, control ? line.RequiredFile("control") : null, line.Has("mask") ? line.RequiredFile("mask") : null);
    });
}
