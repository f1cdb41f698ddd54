using KosmosG.Models.Kosmos;
using KosmosG.Tokenizers;
using KosmosG.Tokenizers.SentencePiece;

namespace KosmosG.Pipelines;

/// <summary>
/// The KOSMOS-G model folder `convert` writes and the service loads:
/// config.json (official fairseq argument names), model.safetensors (img_model, img_connector, gpt_model,
/// aligner M), sentencepiece.bpe.model, dict.txt, and sd/ (the diffusers folder of the frozen U-Net, VAE, scheduler).
/// </summary>
public sealed record KosmosGModelFolder(string Root)
{
    public const int DefaultMaxImages = 10;
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string SentencePieceFile = "sentencepiece.bpe.model";
    public const string DictionaryFile = "dict.txt";
    public const string StableDiffusionFolder = "sd";

    public string ConfigPath => Path.Combine(Root, ConfigFile);
    public string WeightsPath => Path.Combine(Root, WeightsFile);
    public string SentencePiecePath => Path.Combine(Root, SentencePieceFile);
    public string DictionaryPath => Path.Combine(Root, DictionaryFile);
    public string StableDiffusionDir => Path.Combine(Root, StableDiffusionFolder);

    /// <summary>The prompt builder of this folder's tokenizer files for a model of this config.</summary>
    public KosmosGPromptBuilder PromptBuilder(KosmosGConfig config, int maxImages = DefaultMaxImages) =>
        new(SentencePieceModel.Load(SentencePiecePath), FairseqDictionary.Load(DictionaryPath), config.ImageTokenLength, maxImages,
            config.MaxTargetPositions);

    /// <summary>True when the folder looks like a KOSMOS-G model folder (as opposed to a diffusers SD folder).</summary>
    public static bool IsKosmosG(string root) =>
        File.Exists(Path.Combine(root, WeightsFile)) && File.Exists(Path.Combine(root, DictionaryFile));

    public static KosmosGModelFolder Open(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"KOSMOS-G model folder not found: {root}");
        var folder = new KosmosGModelFolder(root);
        foreach (var path in new[] { folder.ConfigPath, folder.WeightsPath, folder.SentencePiecePath, folder.DictionaryPath })
            if (!File.Exists(path)) throw new FileNotFoundException($"KOSMOS-G model folder '{root}' has no {Path.GetFileName(path)}", path);
        if (!Directory.Exists(folder.StableDiffusionDir))
            throw new DirectoryNotFoundException($"KOSMOS-G model folder '{root}' has no sd/ folder (the Stable Diffusion U-Net, VAE and scheduler it draws with)");
        return folder;
    }
}
