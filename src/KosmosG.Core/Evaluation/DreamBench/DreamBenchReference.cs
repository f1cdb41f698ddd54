namespace KosmosG.Evaluation.DreamBench;

/// <summary>A subject's reference image, DATASET/&lt;subject&gt;/&lt;id&gt;.jpg.</summary>
public sealed record DreamBenchReference(string Subject, string ObjectId, string Path)
{
    /// <summary>
    /// Every .jpg one folder below <paramref name="datasetDir"/>, ordered by subject then id (the official script takes
    /// os.walk order, which is the file system's; order only changes the &lt;pos&gt; numbers). Each yields 25 prompts,
    /// so the official set keeps one image per subject (remove_dreambench_multiimg.sh). Unknown subject folders are an
    /// error naming the folder.
    /// </summary>
    public static IReadOnlyList<DreamBenchReference> Scan(string datasetDir)
    {
        if (!Directory.Exists(datasetDir)) throw new DirectoryNotFoundException($"dataset folder not found: {datasetDir}");
        var references = new List<DreamBenchReference>();
        foreach (var dir in Directory.EnumerateDirectories(datasetDir).Order(StringComparer.Ordinal))
        {
            var jpgs = Directory.EnumerateFiles(dir, "*.jpg").Order(StringComparer.Ordinal).ToList();
            if (jpgs.Count == 0) continue;
            var subject = System.IO.Path.GetFileName(dir);
            if (DreamBenchPrompts.ClassWord(subject) is null)
                throw new InvalidDataException($"'{dir}' is not a DreamBench subject folder (no class word for '{subject}')");
            references.AddRange(jpgs.Select(j => new DreamBenchReference(subject, System.IO.Path.GetFileNameWithoutExtension(j), j)));
        }
        if (references.Count == 0) throw new InvalidDataException($"'{datasetDir}' holds no <subject>/<id>.jpg reference images");
        return references;
    }
}
