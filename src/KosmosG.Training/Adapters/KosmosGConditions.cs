using KosmosG.Imaging;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using KosmosG.Training.Data;
using KosmosG.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>KOSMOS-G's condition (frozen): captions and interleaved prompts with subject images, with stage 3's
/// augmentation of compositions (an entity's words replaced by its image with <paramref name="dropEntityWord"/>).</summary>
public sealed class KosmosGConditions : IConditionEncoder
{
    readonly KosmosGModel _model;
    readonly KosmosGPromptBuilder _prompts;
    readonly ClipImagePreprocessor _preprocessor;
    readonly ManifestImages _images = new();
    readonly ComputeOptions _compute;
    readonly double _dropEntityWord;

    public KosmosGConditions(KosmosGModelFolder folder, ComputeOptions compute, double dropEntityWord)
    {
        var config = KosmosGConfig.Load(folder.ConfigPath);
        _model = KosmosGModel.Load(config, folder.WeightsPath);
        _model.to(compute.Device, compute.DType).eval();
        TrainableParameters.FreezeAll(_model);
        _prompts = folder.PromptBuilder(config, maxImages: int.MaxValue);
        _preprocessor = config.Vision.CreatePreprocessor();
        _compute = compute;
        _dropEntityWord = dropEntityWord;
    }

    public PreparedPrompt Prepare(InstructExample example, Random random)
    {
        var (prompt, images) = example.Realize(random, _dropEntityWord, dropCaptionProb: 0);
        try
        {
            var built = _prompts.Build(prompt, images.Count);
            return new PreparedPrompt(built.Tokens, built.ImageMask, images.Select(p => _images.Pixels(_preprocessor, p, example.Line)).ToArray());
        }
        catch (PromptException e) { throw new InvalidDataException($"manifest line {example.Line}: {e.Message}", e); }
    }

    public Tensor Encode(IReadOnlyList<PreparedPrompt> prompts)
    {
        using var _ = no_grad();
        var (tokens, mask) = _prompts.Pad(prompts.Select(p => new PromptTokens(p.Tokens, p.ImageMask!)).ToList());
        var all = prompts.SelectMany(p => p.Images).ToArray();
        var pixels = all.Length == 0 ? null : ManifestImages.Stack(all, _preprocessor.Size).to(_compute.DType, _compute.Device);
        return _model.EncodePrompt(tokens.to(_compute.Device), pixels is null ? null : mask.to(_compute.Device), pixels);
    }

    public Tensor Unconditional()
    {
        using var _ = no_grad();
        return _model.EncodeUnconditional();
    }

    public void Dispose() => _model.Dispose();
}
