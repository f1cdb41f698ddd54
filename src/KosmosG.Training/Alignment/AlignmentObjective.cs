using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using KosmosG.Training.Data;
using KosmosG.Training.Loop;
using KosmosG.Training.Optimization;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Alignment;

/// <summary>
/// Stage 2 (image-decoder aligning): only AlignerNet M and N train; the MLLM, vision tower, connector and the SD
/// CLIP text encoder that provides the target are frozen (requires_grad false, not in the optimizer).
/// </summary>
public sealed class AlignmentObjective : IKosmosGObjective<CaptionExample, CaptionBatch>
{
    readonly ClipTextTargets _targets;
    readonly KosmosGPromptBuilder _prompts;
    readonly ComputeOptions _compute;

    public AlignmentObjective(KosmosGModel model, ClipTextTargets targets, KosmosGPromptBuilder prompts, ComputeOptions compute)
    {
        Model = model;
        _targets = targets;
        _prompts = prompts;
        _compute = compute;
        model.to(compute.Device, compute.DType);
        Trainable = TrainableParameters.Select(model, IsTrainable);
    }

    public string Stage => "align";
    public KosmosGModel Model { get; }
    public IReadOnlyList<NamedParameter> Trainable { get; }

    /// <summary>Stage 2 trains the whole AlignerNet (encoder M and decoder N) and nothing else.</summary>
    public static bool IsTrainable(string name) => name.StartsWith("aligner.", StringComparison.Ordinal);

    /// <summary>
    /// Loads the model folder with the stage-2 AlignerNet. AlignerNet weights absent from the folder (an inference
    /// folder has no decoder N; a Kosmos-1 style start has no AlignerNet at all) keep their fresh initialisation,
    /// as does the whole AlignerNet with <paramref name="reinitAligner"/> (the official stage 2 starts it from scratch).
    /// The CLIP text encoder and tokenizer come from the diffusers folder <paramref name="sdDir"/>.
    /// </summary>
    public static AlignmentObjective Load(string modelDir, string sdDir, ComputeOptions compute, bool reinitAligner, TextWriter log)
    {
        var folder = KosmosGModelFolder.Open(modelDir);
        var config = KosmosGConfig.Load(folder.ConfigPath);
        var model = new KosmosGModel(config, withAlignerDecoder: true);
        using (var weights = SafeTensorsFile.Open(folder.WeightsPath))
        {
            var report = StateDictLoader.Load(model, weights, strict: false,
                ignore: key => KosmosGModel.IsUnusedCheckpointKey(key, withAlignerDecoder: true) || reinitAligner && IsTrainable(key));
            if (report.Unexpected.Count > 0 || report.WrongShape.Count > 0 || report.Missing.Any(k => !IsTrainable(k)))
                throw new InvalidDataException($"weights in '{folder.WeightsPath}' do not match the KOSMOS-G config: {report.Describe()}");
            if (report.Missing.Count > 0)
                log.WriteLine($"AlignerNet: {report.Missing.Count} tensor(s) not in the checkpoint start from a fresh initialisation (e.g. {report.Missing[0]})");
        }
        return new AlignmentObjective(model, ClipTextTargets.Load(sdDir, compute), folder.PromptBuilder(config), compute);
    }

    public CaptionBatch Build(IReadOnlyList<CaptionExample> examples, IReadOnlyList<Random> random)
    {
        var tokens = new long[examples.Count][];
        var clipIds = new long[examples.Count * _targets.Length];
        for (var i = 0; i < examples.Count; i++)
        {
            try { tokens[i] = _prompts.BuildNegative(examples[i].Caption).Tokens; }
            catch (PromptException e) { throw new InvalidDataException($"manifest line {examples[i].Line}: {e.Message}", e); }
            _targets.Encode(examples[i].Caption).CopyTo(clipIds, i * _targets.Length);
        }
        return new CaptionBatch(tokens, clipIds);
    }

    public int Count(CaptionBatch batch) => batch.Count;

    public ObjectiveOutput Forward(CaptionBatch batch, Generator generator)
    {
        var device = _compute.Device;
        var tokens = PadRight(batch.Tokens, Model.Config.PaddingIdx).to(device);
        var target = _targets.Forward(batch.ClipIds, batch.Count);
        var result = AlignmentLoss.Compute(Model, tokens, target);
        return new ObjectiveOutput(result.Losses.Loss, new Dictionary<string, double>
        {
            ["mse_loss"] = result.Losses.MseLoss.item<float>(),
            ["rec_loss"] = result.Losses.RecLoss.item<float>(),
            ["cosine"] = result.Cosine.item<float>(),
        });
    }

    /// <summary>int64 [B, Tmax], right-padded (the official Laion2B collate).</summary>
    public static Tensor PadRight(IReadOnlyList<long[]> rows, long pad)
    {
        var width = rows.Max(r => r.Length);
        var flat = new long[rows.Count * width];
        Array.Fill(flat, pad);
        for (var i = 0; i < rows.Count; i++) rows[i].CopyTo(flat, i * width);
        return tensor(flat, [rows.Count, width], ScalarType.Int64);
    }

    public void Dispose()
    {
        _targets.Dispose();
        Model.Dispose();
    }
}
