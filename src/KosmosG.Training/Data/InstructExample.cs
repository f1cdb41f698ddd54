using System.Text;
using System.Text.Json;

namespace KosmosG.Training.Data;

/// <summary>What a stage-3 manifest line describes (chosen by its fields).</summary>
public enum InstructKind
{
    /// <summary>{"caption", "target"}: text to image.</summary>
    Caption,
    /// <summary>{"caption", "entities": [{"text", "image"}], "target"}: subject-driven composition (OpenImage style).</summary>
    Composition,
    /// <summary>{"prompt" with &lt;i&gt; markers, "images", "target"}: an interleaved prompt given verbatim.</summary>
    Prompt,
    /// <summary>{"source", "instruction", "target", optional "caption"}: image editing (InstructPix2Pix style).</summary>
    Edit,
}

/// <summary>An entity of a composition: a phrase of the caption and the image that stands for it.</summary>
public sealed record EntitySpan(int Start, int End, string ImagePath);

/// <summary>
/// A stage-3 (instruction tuning) example. Image paths are absolute (resolved against the manifest folder and
/// checked when the manifest is read). <see cref="Realize"/> turns it into an interleaved prompt with the
/// official augmentations.
/// </summary>
public sealed record InstructExample(
    InstructKind Kind, int Line, string TargetPath, string? Text, IReadOnlyList<EntitySpan> Entities,
    IReadOnlyList<string> Images, string? Instruction)
{
    /// <summary>The caption of the target image when the example gives it: captions and compositions.</summary>
    public string? TargetCaption => Kind is InstructKind.Caption or InstructKind.Composition ? Text : null;

    /// <summary>The image placeholder of interleaved prompts (as the pipelines read them).</summary>
    public const string ImageMarker = "<i>";

    public static IReadOnlyList<InstructExample> ReadManifest(string path) => JsonlManifest.Read(path, Parse);

    public static InstructExample Parse(ManifestLine line)
    {
        var target = line.RequiredFile("target");
        var kinds = new[] { "instruction", "entities", "prompt" }.Where(line.Has).ToList();
        if (kinds.Count > 1) throw line.Error($"fields {string.Join(" and ", kinds.Select(k => $"\"{k}\""))} cannot be combined (one kind of example per line)");
        switch (kinds.FirstOrDefault())
        {
            case "instruction":
                return new InstructExample(InstructKind.Edit, line.LineNumber, target, line.OptionalString("caption"), [],
                    [line.RequiredFile("source")], line.RequiredString("instruction"));
            case "entities":
                var caption = line.RequiredString("caption");
                return new InstructExample(InstructKind.Composition, line.LineNumber, target, caption, ParseEntities(line, caption), [], null);
            case "prompt":
                var prompt = line.RequiredString("prompt");
                var images = line.RequiredArray("images").Select((e, i) => e.ValueKind == JsonValueKind.String
                    ? line.ResolveFile($"images[{i}]", e.GetString()!)
                    : throw line.Error($"images[{i}] must be a string path")).ToList();
                var markers = CountMarkers(prompt);
                if (markers != images.Count)
                    throw line.Error($"the prompt has {markers} {ImageMarker} marker(s) but \"images\" lists {images.Count} file(s)");
                return new InstructExample(InstructKind.Prompt, line.LineNumber, target, prompt, [], images, null);
            default:
                var text = line.RequiredString("caption");
                if (text.Contains(ImageMarker, StringComparison.Ordinal))
                    throw line.Error($"a caption cannot hold {ImageMarker}; use \"prompt\" with \"images\" for interleaved prompts");
                return new InstructExample(InstructKind.Caption, line.LineNumber, target, text, [], [], null);
        }
    }

    /// <summary>Entities are found in caption order: each phrase is searched (case-insensitively) after the previous one.</summary>
    static List<EntitySpan> ParseEntities(ManifestLine line, string caption)
    {
        var spans = new List<EntitySpan>();
        var cursor = 0;
        var entries = line.RequiredArray("entities");
        if (entries.Count == 0) throw line.Error("\"entities\" is empty");
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.ValueKind != JsonValueKind.Object) throw line.Error($"entities[{i}] must be an object {{\"text\", \"image\"}}");
            string Field(string name) => entry.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Trim().Length > 0
                ? v.GetString()!
                : throw line.Error($"entities[{i}] needs a non-empty string \"{name}\"");
            var phrase = Field("text");
            var start = caption.IndexOf(phrase, cursor, StringComparison.OrdinalIgnoreCase);
            if (start < 0)
                throw line.Error($"entities[{i}] text \"{phrase}\" does not occur in the caption after the previous entity");
            spans.Add(new EntitySpan(start, start + phrase.Length, line.ResolveFile($"entities[{i}].image", Field("image"))));
            cursor = start + phrase.Length;
        }
        return spans;
    }

    static int CountMarkers(string prompt)
    {
        var count = 0;
        for (var i = prompt.IndexOf(ImageMarker, StringComparison.Ordinal); i >= 0; i = prompt.IndexOf(ImageMarker, i + ImageMarker.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>
    /// The interleaved prompt and its images in marker order. Official augmentations: a composition drops each
    /// entity's own words with <paramref name="dropEntityWordProb"/> (the image takes their place; otherwise it
    /// follows them); an edit drops its input caption with <paramref name="dropCaptionProb"/>.
    /// </summary>
    public (string Prompt, IReadOnlyList<string> Images) Realize(Random rng, double dropEntityWordProb, double dropCaptionProb)
    {
        switch (Kind)
        {
            case InstructKind.Composition:
                var prompt = new StringBuilder();
                var cursor = 0;
                foreach (var entity in Entities)
                {
                    var dropWord = rng.NextDouble() < dropEntityWordProb;
                    prompt.Append(Text!, cursor, (dropWord ? entity.Start : entity.End) - cursor).Append(' ').Append(ImageMarker).Append(' ');
                    cursor = entity.End;
                }
                prompt.Append(Text!, cursor, Text!.Length - cursor);
                return (prompt.ToString(), Entities.Select(e => e.ImagePath).ToList());
            case InstructKind.Edit:
                var keepCaption = Text is not null && rng.NextDouble() >= dropCaptionProb;
                return ((keepCaption ? Text + " " : "") + ImageMarker + " " + Instruction, Images);
            default:
                return (Text!, Images);
        }
    }
}
