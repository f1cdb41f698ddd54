using System.Globalization;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Vocabulary;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Training.Language;

/// <summary>
/// Creates the folder stage 1 starts from (the recipe trains from nothing here): a complete KOSMOS-G model folder
/// with the tokenizer files of a word list (<see cref="KosmosGVocabulary"/>), config.json = the given model sizes
/// with that vocabulary, model.safetensors = a freshly initialised <see cref="KosmosGModel"/> (TorchSharp defaults
/// plus <see cref="MllmInitialization"/>), and sd/ linked to the caller's Stable Diffusion folder.
/// </summary>
public static class InitialModelFolder
{
    /// <param name="sizes">Model sizes; its vocabulary keys are replaced by the word list's.</param>
    /// <param name="sdDir">The diffusers folder later stages draw with (e.g. the stage-0 text-to-image stand-in).</param>
    /// <param name="seed">Seeds the initialisation (same seed, same weights).</param>
    public static KosmosGModelFolder Create(string dir, KosmosGConfig sizes, IReadOnlyList<WordCount> words, string sdDir, int seed)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new IOException($"cannot create a model folder in '{dir}': it is not empty");
        if (!Directory.Exists(sdDir)) throw new DirectoryNotFoundException($"Stable Diffusion folder not found: {sdDir}");
        Directory.CreateDirectory(dir);
        var folder = new KosmosGModelFolder(dir);
        var config = KosmosGVocabulary.Write(dir, words).ApplyTo(sizes);

        using var generator = new Generator((ulong)seed);
        manual_seed(seed); // the modules' own initialisers draw from the global generator
        using var model = new KosmosGModel(config);
        MllmInitialization.Apply(model, generator);
        SafeTensorsWriter.Save(folder.WeightsPath, model.state_dict(), new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["kosmosg.stage"] = "init",
            ["kosmosg.seed"] = seed.ToString(CultureInfo.InvariantCulture),
        });
        config.Save(folder.ConfigPath);
        CheckpointStore.LinkStableDiffusion(sdDir, folder.StableDiffusionDir);
        return KosmosGModelFolder.Open(dir);
    }
}
