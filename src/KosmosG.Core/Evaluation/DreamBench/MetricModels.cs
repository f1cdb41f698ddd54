using KosmosG.Imaging;
using KosmosG.Models.Clip;
using KosmosG.Models.Dino;
using KosmosG.Tokenizers;
using static TorchSharp.torch;

namespace KosmosG.Evaluation.DreamBench;

/// <summary>
/// The two judges of DreamBench: DINO ViT-S/16 (dino_vits16) and CLIP ViT-B/32 (openai/clip-vit-base-patch32) with
/// its tokenizer, loaded from their folders and run in float32 (the official metrics run the models in float32).
/// Features come back on the CPU. Not thread-safe: use from one thread.
/// </summary>
public sealed class MetricModels : IDisposable
{
    readonly Device _device;

    public ViTModel Dino { get; }
    public CLIPModel Clip { get; }
    public ClipTokenizer Tokenizer { get; }

    public MetricModels(ViTModel dino, CLIPModel clip, ClipTokenizer tokenizer, Device device) =>
        (Dino, Clip, Tokenizer, _device) = (dino, clip, tokenizer, device);

    /// <param name="dinoDir">facebook/dino-vits16 (config.json + model.safetensors) or a folder with the torch.hub checkpoint.</param>
    /// <param name="clipDir">openai/clip-vit-base-patch32: config.json, model.safetensors, vocab.json, merges.txt.</param>
    public static MetricModels Load(string dinoDir, string clipDir, Device? device = null)
    {
        device ??= CPU;
        if (!Directory.Exists(clipDir)) throw new DirectoryNotFoundException($"CLIP folder not found: {clipDir}");
        var dino = ViTModel.LoadDino(dinoDir, device);
        var clip = CLIPModel.Load(clipDir, device);
        return new MetricModels(dino, clip, ClipTokenizer.FromFolder(clipDir), device);
    }

    /// <summary>DINO CLS features [N, 384] of decoded images.</summary>
    public Tensor DinoFeatures(IReadOnlyList<RgbImage> images) => Run(MetricImageTransform.Dino.Preprocess(images), Dino.Features);

    /// <summary>CLIP image features [N, projection_dim] (not normalised).</summary>
    public Tensor ClipImageFeatures(IReadOnlyList<RgbImage> images) => Run(MetricImageTransform.Clip.Preprocess(images), Clip.GetImageFeatures);

    /// <summary>CLIP text features [N, projection_dim] (not normalised).</summary>
    public Tensor ClipTextFeatures(IReadOnlyList<string> texts)
    {
        using var batch = ClipTextBatch.Encode(Tokenizer, texts);
        return Run(batch.InputIds.alias(), Clip.GetTextFeatures);
    }

    Tensor Run(Tensor input, Func<Tensor, Tensor> model)
    {
        using var _ = inference_mode();
        using var scope = NewDisposeScope();
        using (input)
            return model(input.to(_device)).cpu().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Dino.Dispose();
        Clip.Dispose();
    }
}
