using KosmosG.Evaluation.DreamBench;
using KosmosG.Imaging;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Evaluation;

/// <summary>eval-tiny: the official per-pair formulas and the DreamBench-like folder's final numbers.</summary>
public class DreamBenchScoringTests(ITestOutputHelper output)
{
    [Fact]
    public void PairwiseScoresMatch()
    {
        const string name = "pairwise_scores";
        var data = EvalTinyCases.Case(name);
        Tensor Grid(Func<Tensor, Tensor, Tensor> score, Tensor rows, Tensor cols) =>
            score(rows.unsqueeze(1).expand(-1, cols.shape[0], -1), cols.unsqueeze(0).expand(rows.shape[0], -1, -1));
        TensorAssert.Close(data["dino_scores"], Grid(PairScores.Dino, data["dino_cls"], data["dino_cls"]), EvalTinyCases.Atol(name, "dino_scores"), what: "dino_scores");
        TensorAssert.Close(data["clip_i_scores"], Grid(PairScores.Clip, data["clip_image_embeds"], data["clip_image_embeds"]), EvalTinyCases.Atol(name, "clip_i_scores"), what: "clip_i_scores");
        TensorAssert.Close(data["clip_t_scores"], Grid(PairScores.Clip, data["clip_image_embeds"], data["text_embeds"]), EvalTinyCases.Atol(name, "clip_t_scores"), what: "clip_t_scores");
    }

    [Fact]
    public void AccumulatorSumsInFloat32AndClampsOnlyTheMean()
    {
        var acc = new ScoreAccumulator();
        acc.Add([-5f, 1f]);
        acc.Add([2f]);
        Assert.Equal(3, acc.Count);
        Assert.Equal(-2f / 3, acc.MeanUnclamped);
        Assert.Equal(0f, acc.Score);
        Assert.Throws<InvalidOperationException>(() => new ScoreAccumulator().MeanUnclamped);
    }

    [Fact]
    public void DreamBenchFolderGivesTheReferenceNumbers()
    {
        const string name = "dreambench_aggregate";
        var data = EvalTinyCases.Case(name);
        var info = EvalTinyCases.Info(name);
        var atol = EvalTinyCases.Atol(name, "per_sample_and_final");
        var featureAtol = EvalTinyCases.Atol(name, "features");
        var expectedOrder = info.GetProperty("samples").EnumerateArray().Select(s => Path.GetFileName(s.GetProperty("generated").GetString()!)).ToList();

        var samples = DreamBenchSample.ScanFolder(EvalTinyCases.OutputDir, EvalTinyCases.DatasetDir);
        // Align our (ordinal) order with the fixture's sample order.
        var ordered = expectedOrder.Select(f => samples.Single(s => Path.GetFileName(s.GeneratedPath) == f)).ToList();
        using var models = MetricModels.Load(EvalTinyCases.DinoDir, EvalTinyCases.ClipDir);

        using var ids = ClipTextBatch.Encode(models.Tokenizer, [.. ordered.Select(s => s.Prompt)]);
        TensorAssert.Equal(data["clip_t_input_ids"], ids.InputIds, "clip_t_input_ids");
        TensorAssert.Equal(data["clip_t_attention_mask"], ids.AttentionMask, "clip_t_attention_mask");
        var generated = ordered.Select(s => PilImageFile.LoadRgb(s.GeneratedPath)).ToList();
        var references = ordered.Select(s => PilImageFile.LoadRgb(s.ReferencePath)).ToList();
        TensorAssert.Close(data["dino_generated"], models.DinoFeatures(generated), featureAtol, what: "dino_generated");
        TensorAssert.Close(data["dino_reference"], models.DinoFeatures(references), featureAtol, what: "dino_reference");
        TensorAssert.Close(data["clip_generated"], models.ClipImageFeatures(generated), featureAtol, what: "clip_generated");
        TensorAssert.Close(data["clip_reference"], models.ClipImageFeatures(references), featureAtol, what: "clip_reference");
        TensorAssert.Close(data["clip_text"], models.ClipTextFeatures([.. ordered.Select(s => s.Prompt)]), featureAtol, what: "clip_text");

        using var scorer = new DreamBenchScorer(models);
        var scores = scorer.Score(ordered);
        TensorAssert.Close(data["dino_per_sample"], tensor(scores.Samples.Select(s => s.Dino).ToArray()), atol, what: "dino_per_sample");
        TensorAssert.Close(data["clip_i_per_sample"], tensor(scores.Samples.Select(s => s.ClipI).ToArray()), atol, what: "clip_i_per_sample");
        TensorAssert.Close(data["clip_t_per_sample"], tensor(scores.Samples.Select(s => s.ClipT).ToArray()), atol, what: "clip_t_per_sample");
        var dino = TensorAssert.Close(data["dino_score"], tensor(new[] { scores.Dino }), atol, what: "dino_score");
        var clipI = TensorAssert.Close(data["clip_i_score"], tensor(new[] { scores.ClipI }), atol, what: "clip_i_score");
        var clipT = TensorAssert.Close(data["clip_t_score"], tensor(new[] { scores.ClipT }), atol, what: "clip_t_score");
        output.WriteLine($"DINO {scores.Dino:F4} CLIP-I {scores.ClipI:F4} CLIP-T {scores.ClipT:F4}; |diff| {dino:G3} {clipI:G3} {clipT:G3}");

        // The same folder with the references decoded by our JPEG decoder (ImageSharp), for the record.
        using var ownDecoder = new DreamBenchScorer(models);
        var own = ownDecoder.Score(samples);
        output.WriteLine($"own JPEG decoding: DINO {own.Dino:F4} ({own.Dino - scores.Dino:+0.0000;-0.0000}) CLIP-I {own.ClipI:F4} ({own.ClipI - scores.ClipI:+0.0000;-0.0000}) CLIP-T {own.ClipT:F4}");
    }
}
