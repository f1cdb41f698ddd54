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
        var dir = Path.Combine(folder, jobId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{image.Index}.png");
        var partial = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllBytes(partial, image.Png);
        File.Move(partial, path, overwrite: true); // a rerun writes the same bytes (same seed)
        return image with { Png = [] };
    }

    /// <summary>The image with its bytes read back; empty bytes when its file is missing (logged).</summary>
    public GeneratedImage Read(string jobId, GeneratedImage image)
    {
        var path = Path.Combine(folder, jobId, $"{image.Index}.png");
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

    /// <summary>Deletes the folders of jobs <paramref name="exists"/> no longer knows; returns how many.</summary>
    public async Task<int> SweepAsync(Func<string, Task<bool>> exists)
    {
        if (!Directory.Exists(folder)) return 0;
        var deleted = 0;
        foreach (var dir in Directory.EnumerateDirectories(folder))
        {
            if (await exists(Path.GetFileName(dir))) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
                deleted++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another replica swept it first, or a stale runner is still writing: the next sweep sees it.
            }
        }
        return deleted;
    }
}
