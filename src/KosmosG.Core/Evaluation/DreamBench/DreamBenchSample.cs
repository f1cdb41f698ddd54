namespace KosmosG.Evaluation.DreamBench;

/// <summary>
/// One generated image and what it is judged against, from its file name <c>&lt;subject&gt;+&lt;id&gt;+&lt;pos&gt;+&lt;prompt&gt;.png</c>
/// parsed as the official re-evaluation does (<c>name.split('.')[0].split('+')</c>): the reference is
/// <c>DATASET/&lt;subject&gt;/&lt;id&gt;.jpg</c>, the CLIP-T text is the prompt.
/// </summary>
public sealed record DreamBenchSample(string GeneratedPath, string Subject, string ObjectId, string Pos, string Prompt, string ReferencePath)
{
    /// <summary>The official file name of a generated image.</summary>
    public static string FileName(string subject, string objectId, long pos, string prompt) => $"{subject}+{objectId}+{pos}+{prompt}.png";

    /// <summary>Throws <see cref="InvalidDataException"/> naming the file when the name is not four '+'-separated fields.</summary>
    public static DreamBenchSample Parse(string generatedPath, string datasetDir)
    {
        var name = Path.GetFileName(generatedPath);
        var parts = name.Split('.')[0].Split('+');
        if (parts.Length != 4 || parts.Any(p => p.Length == 0))
            throw new InvalidDataException($"cannot parse '{generatedPath}': a generated image must be named <subject>+<id>+<pos>+<prompt>.png");
        return new DreamBenchSample(generatedPath, parts[0], parts[1], parts[2], parts[3],
            Path.Combine(datasetDir, parts[0], parts[1] + ".jpg"));
    }

    /// <summary>Every .png directly in <paramref name="outputDir"/> (ordinal order), parsed; each reference must exist.</summary>
    public static IReadOnlyList<DreamBenchSample> ScanFolder(string outputDir, string datasetDir)
    {
        if (!Directory.Exists(outputDir)) throw new DirectoryNotFoundException($"output folder not found: {outputDir}");
        var files = Directory.EnumerateFiles(outputDir, "*.png").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new InvalidDataException($"'{outputDir}' holds no generated .png images");
        var samples = files.Select(f => Parse(f, datasetDir)).ToList();
        foreach (var s in samples)
            if (!File.Exists(s.ReferencePath))
                throw new FileNotFoundException($"'{s.GeneratedPath}' needs the reference image '{s.ReferencePath}', which does not exist", s.ReferencePath);
        return samples;
    }
}
