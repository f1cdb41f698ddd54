using KosmosG.Runtime;
using KosmosG.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>
/// transformers' ViTModel without the pooler, as facebook/dino-vits16 is stored; its CLS row after the final layernorm
/// is the torch.hub dino_vits16 forward output, the DINO metric's feature. Loads that folder layout or the torch.hub
/// checkpoint (original names, fused qkv).
/// </summary>
public sealed class ViTModel : nn.Module<Tensor, Tensor>
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    readonly ViTEmbeddings embeddings;
    readonly ViTEncoder encoder;
    readonly LayerNorm layernorm;

    public ViTConfig Config { get; }

    public ViTModel(ViTConfig config) : base(nameof(ViTModel))
    {
        config.Validate();
        Config = config;
        embeddings = new ViTEmbeddings(config);
        encoder = new ViTEncoder(config);
        layernorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>
    /// The DINO metric model from a folder: config.json when present (else ViT-S/16), weights from model.safetensors
    /// (transformers names) or the one .pth/.pt/.safetensors file it holds (torch.hub names, e.g.
    /// dino_deitsmall16_pretrain.pth). LayerNorm eps is DINO's 1e-6 whatever config.json says (see
    /// <see cref="ViTConfig.DinoLayerNormEps"/>).
    /// </summary>
    public static ViTModel LoadDino(string folder, Device? device = null, ScalarType? dtype = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"DINO folder not found: {folder}");
        var configPath = Path.Combine(folder, ConfigFile);
        var config = (File.Exists(configPath) ? ViTConfig.Load(configPath) : new ViTConfig()) with { LayerNormEps = ViTConfig.DinoLayerNormEps };
        return Load(config, WeightsIn(folder), device, dtype);
    }

    /// <summary>Builds the model from <paramref name="config"/> and loads a weights file in either key layout, strictly.</summary>
    public static ViTModel Load(ViTConfig config, string weightsPath, Device? device = null, ScalarType? dtype = null)
    {
        var model = TorchDefaults.Build(dtype, () => new ViTModel(config));
        model.to(device ?? CPU, dtype ?? ScalarType.Float32);
        if (WeightsFormat.Detect(weightsPath) == WeightsFileKind.SafeTensors)
        {
            using var file = SafeTensorsFile.Open(weightsPath);
            LoadWeights(model, file);
        }
        else
        {
            using var checkpoint = TorchCheckpoint.Open(weightsPath);
            LoadWeights(model, checkpoint.StateDict());
        }
        model.eval();
        return model;
    }

    // pooler.* (a ViTModel saved with its pooler) and head.* (a hub model with a classifier) do not feed the CLS feature.
    static void LoadWeights(ViTModel model, IStateDictSource source) =>
        StateDictLoader.Load(model, DinoHubStateDict.IsHubLayout(source) ? new DinoHubStateDict(source) : source,
            ignore: key => key.StartsWith("pooler.", StringComparison.Ordinal) || key.StartsWith("head.", StringComparison.Ordinal));

    static string WeightsIn(string folder)
    {
        var standard = Path.Combine(folder, WeightsFile);
        if (File.Exists(standard)) return standard;
        var candidates = Directory.EnumerateFiles(folder)
            .Where(f => Path.GetExtension(f) is ".pth" or ".pt" or ".safetensors").Order(StringComparer.Ordinal).ToList();
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new FileNotFoundException($"DINO folder '{folder}' has no {WeightsFile} and no .pth/.pt/.safetensors checkpoint"),
            _ => throw new InvalidDataException($"DINO folder '{folder}' has several checkpoints ({string.Join(", ", candidates.Select(Path.GetFileName))}); keep one"),
        };
    }

    /// <returns>last_hidden_state [B, 1 + grid^2, hidden] after the final layernorm.</returns>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return layernorm.forward(encoder.forward(embeddings.forward(pixelValues))).MoveToOuterDisposeScope();
    }

    /// <summary>The CLS row of <see cref="forward"/>: [B, hidden].</summary>
    public Tensor Features(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return forward(pixelValues)[.., 0].contiguous().MoveToOuterDisposeScope();
    }
}
