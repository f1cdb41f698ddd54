using System.Globalization;
using KosmosG.Pipelines;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Training.Checkpoints;

/// <summary>
/// Checkpoints under an output folder: <c>step-0000120/</c> holds what the trainer produces (<see cref="ICheckpointContent"/>:
/// a complete KOSMOS-G model folder, or an adapter the service loads by name), plus
/// <c>training/</c> (optimizer.bin: AdamW moments and step counts; state.json: <see cref="TrainingState"/>).
/// <c>latest.txt</c> names the newest complete checkpoint; a checkpoint is written under a temporary name and
/// renamed, so an interrupted save never replaces a good one.
/// </summary>
public sealed class CheckpointStore
{
    public const string TrainingFolder = "training";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";
    public const string LatestFile = "latest.txt";

    public CheckpointStore(string outputDir, int keep = 0)
    {
        OutputDir = Path.GetFullPath(outputDir);
        Keep = keep;
    }

    public string OutputDir { get; }
    /// <summary>How many checkpoints to keep (oldest deleted first; never the one a run resumed from, which its later
    /// saves copy the tokenizer and config from); 0 keeps all.</summary>
    public int Keep { get; }

    public static string FolderName(long step) => "step-" + step.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>The name of the latest checkpoint an output folder holds (its latest.txt), or null when it has none.</summary>
    public static string? Latest(string outputDir)
    {
        var latest = Path.Combine(outputDir, LatestFile);
        return File.Exists(latest) ? File.ReadAllText(latest).Trim() : null;
    }

    /// <summary>The checkpoint folder to resume from: a checkpoint folder itself, or an output folder (its latest).</summary>
    public static string ResolveResume(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, TrainingFolder, StateFile))) return full;
        var latest = Path.Combine(full, LatestFile);
        if (File.Exists(latest))
        {
            var dir = Path.Combine(full, File.ReadAllText(latest).Trim());
            if (File.Exists(Path.Combine(dir, TrainingFolder, StateFile))) return dir;
            throw new DirectoryNotFoundException($"{latest} names '{dir}', which is not a complete checkpoint");
        }
        throw new DirectoryNotFoundException($"--resume {path}: neither a checkpoint folder (with {TrainingFolder}/{StateFile}) nor an output folder with {LatestFile}");
    }

    /// <summary>
    /// Writes one checkpoint: <paramref name="content"/> writes the weights (and whatever makes the folder usable), then
    /// the optimizer state and <paramref name="state"/> go to training/.
    /// </summary>
    public string Save(TrainingState state, ICheckpointContent content, IEnumerable<KeyValuePair<string, Tensor>> masters, Action<string> saveOptimizer)
    {
        Directory.CreateDirectory(OutputDir);
        var name = FolderName(state.Step);
        var final = Path.Combine(OutputDir, name);
        var tmp = final + ".partial";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(Path.Combine(tmp, TrainingFolder));
        content.Write(tmp, state, masters);
        saveOptimizer(Path.Combine(tmp, TrainingFolder, OptimizerFile));
        state.Save(Path.Combine(tmp, TrainingFolder, StateFile));

        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(tmp, final);
        File.WriteAllText(Path.Combine(OutputDir, LatestFile), name + "\n");
        Prune(name, content.SourceDir);
        return final;
    }

    /// <summary>The frozen SD folder is shared, not copied (it is the same multi-GB U-Net/VAE for every checkpoint).</summary>
    internal static void LinkStableDiffusion(string sourceSd, string target)
    {
        var resolved = new DirectoryInfo(sourceSd).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(sourceSd);
        try
        {
            Directory.CreateSymbolicLink(target, resolved);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            CopyDirectory(resolved, target);
        }
    }

    /// <summary>Copies a folder tree (files overwritten).</summary>
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        foreach (var dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    void Prune(string newest, string? source)
    {
        if (Keep <= 0) return;
        var sourceDir = source is null ? null : Path.GetFullPath(source).TrimEnd(Path.DirectorySeparatorChar);
        var old = Directory.GetDirectories(OutputDir, "step-*")
            .Where(d => Path.GetFullPath(d).TrimEnd(Path.DirectorySeparatorChar) != sourceDir)
            .Select(Path.GetFileName)
            .Where(n => n is not null && !n.EndsWith(".partial", StringComparison.Ordinal) && n != newest)
            .OrderByDescending(n => n, StringComparer.Ordinal)
            .Skip(Keep - 1);
        foreach (var name in old)
        {
            var dir = Path.Combine(OutputDir, name!);
            var sd = Path.Combine(dir, KosmosGModelFolder.StableDiffusionFolder);
            // Remove the sd/ link itself first so a recursive delete never follows it into the shared folder.
            if (new DirectoryInfo(sd).LinkTarget is not null) Directory.Delete(sd);
            Directory.Delete(dir, recursive: true);
        }
    }
}
