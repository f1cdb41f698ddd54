using KosmosG.Imaging;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using KosmosG.Training.Data;
using KosmosG.Training.Loop;
using KosmosG.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Language;

/// <summary>
/// Stage 1 (multimodal language modelling, the Kosmos-1 objective KOSMOS-G starts from): next-token
/// cross-entropy on <c>&lt;s&gt; &lt;image&gt; [image slots] &lt;/image&gt; caption &lt;/s&gt;</c> (image-caption pairs)
/// and <c>&lt;s&gt; caption &lt;/s&gt;</c> (plain captions), scored on the caption tokens and &lt;/s&gt; only, logits
/// through the MLLM's tied output projection. The vision tower, connector and MLLM train; the AlignerNet is
/// not part of this stage (frozen, not in the optimizer).
/// </summary>
public sealed class LmObjective : IKosmosGObjective<LmExample, LmBatch>
{
    readonly KosmosGPromptBuilder _prompts;
    readonly ClipImagePreprocessor _preprocessor;
    readonly ManifestImages _images = new();
    readonly ComputeOptions _compute;

    public LmObjective(KosmosGModel model, KosmosGPromptBuilder prompts, ComputeOptions compute)
    {
        Model = model;
        _prompts = prompts;
        _compute = compute;
        _preprocessor = model.Config.Vision.CreatePreprocessor();
        model.to(compute.Device, compute.DType);
        Trainable = TrainableParameters.Select(model, IsTrainable);
    }

    public string Stage => "lm";
    public KosmosGModel Model { get; }
    public IReadOnlyList<NamedParameter> Trainable { get; }

    /// <summary>Everything in img_model, img_connector and gpt_model; nothing of the AlignerNet.</summary>
    public static bool IsTrainable(string name) => !name.StartsWith("aligner.", StringComparison.Ordinal);

    /// <summary>Loads a KOSMOS-G model folder (e.g. one <see cref="InitialModelFolder"/> created, or a stage-1 checkpoint).</summary>
    public static LmObjective Load(string modelDir, ComputeOptions compute)
    {
        var folder = KosmosGModelFolder.Open(modelDir);
        var config = KosmosGConfig.Load(folder.ConfigPath);
        var model = KosmosGModel.Load(config, folder.WeightsPath);
        return new LmObjective(model, folder.PromptBuilder(config, maxImages: 1), compute);
    }

    public LmBatch Build(IReadOnlyList<LmExample> examples, IReadOnlyList<Random> random)
    {
        var tokens = new long[examples.Count][];
        var imageMasks = new bool[examples.Count][];
        var lossMasks = new bool[examples.Count][];
        var pixels = new List<float[]>();
        for (var i = 0; i < examples.Count; i++)
        {
            var example = examples[i];
            PromptTokens prompt;
            try
            {
                // The image block comes first: "<i> caption" gives <s> <image> slots </image> caption.
                prompt = example.ImagePath is null ? _prompts.BuildNegative(example.Caption)
                    : _prompts.Build(KosmosGPromptBuilder.ImageMarker + " " + example.Caption, 1);
                if (prompt.Length + 1 > _prompts.MaxTokens)
                    throw new PromptException("caption", $"the sequence is {prompt.Length + 1} tokens long with </s>; the limit is {_prompts.MaxTokens}");
            }
            catch (PromptException e) { throw new InvalidDataException($"manifest line {example.Line}: {e.Message}", e); }
            tokens[i] = [.. prompt.Tokens, _prompts.Dictionary.Eos];
            imageMasks[i] = [.. prompt.ImageMask, false];
            lossMasks[i] = ScoredPositions(tokens[i], _prompts.Dictionary.ImageEnd);
            if (example.ImagePath is not null) pixels.Add(_images.Pixels(_preprocessor, example.ImagePath, example.Line));
        }
        return new LmBatch(tokens, imageMasks, lossMasks, [.. pixels], _preprocessor.Size);
    }

    /// <summary>Caption tokens and &lt;/s&gt;: every position after &lt;s&gt; and after the last &lt;/image&gt;.</summary>
    static bool[] ScoredPositions(long[] tokens, int imageEnd)
    {
        var first = Math.Max(1, Array.LastIndexOf(tokens, (long)imageEnd) + 1);
        return [.. tokens.Select((_, i) => i >= first)];
    }

    public int Count(LmBatch batch) => batch.Count;

    public ObjectiveOutput Forward(LmBatch batch, Generator generator)
    {
        var device = _compute.Device;
        var (ids, imageMask) = _prompts.Pad([.. batch.Tokens.Select((t, b) => new PromptTokens(t, batch.ImageMasks[b]))]);
        var width = (int)ids.shape[1];
        var scored = new bool[batch.Count * width];
        for (var b = 0; b < batch.Count; b++) batch.LossMasks[b].CopyTo(scored, b * width);
        // Source = the sequence without its last position, target = the sequence shifted by one.
        var all = ids.to(device);
        var source = all[.., ..^1];
        var target = all[.., 1..];
        var slots = imageMask[.., ..^1].to(device);
        var targetScored = tensor(scored, [batch.Count, width])[.., 1..];

        var features = batch.Pixels.Length == 0 ? null
            : Model.EncodeImages(ManifestImages.Stack(batch.Pixels, batch.ImageSize).to(_compute.DType, device));
        var decoder = Model.gpt_model.decoder;
        var hidden = decoder.forward(source, features is null ? null : slots, features);
        var result = LmLoss.Compute(decoder.Logits(hidden), target, targetScored);
        return new ObjectiveOutput(result.Loss, new Dictionary<string, double>
        {
            ["token_accuracy"] = result.Accuracy.item<float>(),
            ["tokens"] = result.Tokens,
        });
    }

    public void Dispose() => Model.Dispose();
}
