using KosmosG.Pipelines;
using KosmosG.Training.Checkpoints;

namespace KosmosG.Training.Demo;

/// <summary>
/// Turns the final stage-3 checkpoint into the shipped model folder: the KOSMOS-G files plus a real copy of sd/
/// (checkpoints link it), without the training state.
/// </summary>
public static class DemoPublisher
{
    public static void Publish(string checkpoint, string outputDir)
    {
        var partial = Path.GetFullPath(outputDir).TrimEnd('/') + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        foreach (var name in new[] { KosmosGModelFolder.ConfigFile, KosmosGModelFolder.WeightsFile, KosmosGModelFolder.SentencePieceFile, KosmosGModelFolder.DictionaryFile })
            File.Copy(Path.Combine(checkpoint, name), Path.Combine(partial, name));
        var sd = new DirectoryInfo(Path.Combine(checkpoint, KosmosGModelFolder.StableDiffusionFolder));
        CheckpointStore.CopyDirectory(sd.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? sd.FullName, Path.Combine(partial, KosmosGModelFolder.StableDiffusionFolder));
        if (Directory.Exists(outputDir)) Directory.Delete(outputDir, recursive: true);
        Directory.Move(partial, outputDir);
    }
}
