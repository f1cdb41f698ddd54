using KosmosG.Pipelines;

namespace KosmosG.Service.Queue.Redis;

/// <summary>
/// Finished PNGs in KosmosG:Jobs:ResultsFolder (a volume every replica mounts) instead of in the job's Redis stream:
/// {folder}/{job id}/{index}.png, written by the runner before the image event that names it, and deleted once the
/// job's Redis record is gone (it expires RetentionSeconds after the job ended), by whichever replica sweeps first.
/// </summary>
public sealed class ResultFiles(string folder, ILogger logger)
{
    /// <summary>Writes the image (whole files only: a reader never sees a partial PNG) and returns the image as the
    /// event stream keeps it, without its bytes.</summary>
    public GeneratedImage Write(string jobId, GeneratedImage image)
    {
        var path = PathOf(jobId, image);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllBytes(partial, image.Png);
        File.Move(partial, path, overwrite: true); // a rerun writes the same bytes (same seed)
        return image with { Png = [] };
    }

    /// <summary>The image with its bytes read back; empty bytes when its file is missing (logged).</summary>
    public GeneratedImage Read(string jobId, GeneratedImage image)
    {
        var path = PathOf(jobId, image);
        try
        {
            return image with { Png = File.ReadAllBytes(path) };
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            logger.LogWarning("Job {JobId}: image file {Path} is missing (is KosmosG:Jobs:ResultsFolder the same volume on every replica?)", jobId, path);
            return image;
        }
    }

    /// <summary>Deletes the folders of jobs <paramref name="exists"/> no longer knows.</summary>
    public async Task SweepAsync(Func<string, Task<bool>> exists)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var dir in Directory.EnumerateDirectories(folder))
        {
            if (await exists(Path.GetFileName(dir))) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another replica swept it first, or a stale runner is still writing: the next sweep sees it.
            }
        }
    }

    string PathOf(string jobId, GeneratedImage image) => Path.Combine(folder, jobId, $"{image.Index}.png");
}
