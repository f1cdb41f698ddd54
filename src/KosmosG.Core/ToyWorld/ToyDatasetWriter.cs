using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>
/// Writes a dataset as a JSONL manifest (one UTF-8 JSON object per line, '\n' endings) plus PNG files; every
/// path in a manifest is relative to the manifest's folder. Records:
/// <list type="bullet">
/// <item>stage 0/1, <see cref="WriteScenes"/>: <c>{"caption": "...", "image": "scenes/{scene key}.png"}</c></item>
/// <item>stage 2, <see cref="WriteCaptions"/>: <c>{"caption": "..."}</c></item>
/// <item>stage 3, <see cref="WriteCompositions"/> (the official OpenImage composition record): <c>{"caption": "...",
/// "entities": [{"text": "a {colour} {shape}", "image": "subjects/{colour}-{shape}.png"}, ...] (the image-given
/// objects, in caption order), "target": "scenes/{scene key}.png"}</c>; a trainer that replaces every entity's words
/// by its image reads the prompt of <see cref="ToyCaptions.Interleaved"/>.</item>
/// </list>
/// Each distinct picture is one file named by its key (at most 1,890 scenes and 18 subjects), written once per call.
/// </summary>
public static class ToyDatasetWriter
{
    public const string ScenesFolder = "scenes";
    public const string SubjectsFolder = "subjects";

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteScenes(string manifestPath, IEnumerable<ToyScene> scenes)
    {
        ArgumentNullException.ThrowIfNull(scenes);
        var images = new ImageFiles(manifestPath);
        WriteLines(manifestPath, scenes.Select(s =>
            JsonSerializer.Serialize(new { caption = ToyCaptions.Caption(s), image = images.Scene(s) }, Json)));
    }

    public static void WriteCaptions(string manifestPath, IEnumerable<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        WriteLines(manifestPath, captions.Select(c => JsonSerializer.Serialize(new { caption = c }, Json)));
    }

    public static void WriteCompositions(string manifestPath, IEnumerable<ToyComposition> compositions)
    {
        ArgumentNullException.ThrowIfNull(compositions);
        var images = new ImageFiles(manifestPath);
        WriteLines(manifestPath, compositions.Select(c => JsonSerializer.Serialize(new
        {
            caption = ToyCaptions.Caption(c.Scene),
            entities = c.ImageSubjects.Select(s => new { text = ToyCaptions.Phrase(s), image = images.Subject(s) }).ToArray(),
            target = images.Scene(c.Scene),
        }, Json)));
    }

    private static void WriteLines(string manifestPath, IEnumerable<string> lines)
    {
        Directory.CreateDirectory(FolderOf(manifestPath));
        using var writer = new StreamWriter(manifestPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        foreach (var line in lines)
            writer.Write(line + "\n");
    }

    private static string FolderOf(string manifestPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifestPath);
        return Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
    }

    /// <summary>Renders each picture the first time a record needs it and returns its manifest-relative path.</summary>
    private sealed class ImageFiles(string manifestPath)
    {
        private readonly string root = FolderOf(manifestPath);
        private readonly HashSet<string> written = [];

        public string Scene(ToyScene scene) => Get($"{ScenesFolder}/{scene.Key}.png", () => ToyRenderer.Render(scene));

        public string Subject(ToySubject subject) =>
            Get($"{SubjectsFolder}/{subject.Key}.png", () => ToyRenderer.RenderSubject(subject));

        private string Get(string relative, Func<RgbImage> render)
        {
            if (written.Add(relative))
            {
                var full = Path.Combine(root, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                ToyPngFile.Save(render(), full);
            }
            return relative;
        }
    }
}
