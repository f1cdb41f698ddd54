using KosmosG.Models.Kosmos;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Kosmos;

/// <summary>
/// A randomly initialised model from a tiny config unlike the fixture's (other depths, widths, head counts,
/// query counts, image size), so nothing can silently depend on the fixture's numbers.
/// </summary>
public sealed class KosmosGModelShapeTests : IDisposable
{
    static readonly KosmosGConfig Config = KosmosGConfig.XL with
    {
        DecoderLayers = 3, DecoderEmbedDim = 48, DecoderAttentionHeads = 3, DecoderFfnEmbedDim = 96, VocabSize = 50,
        LatentQueryNum = 3, ImageTokenLength = 3, MaxTargetPositions = 128,
        Vision = new VisionConfig { ImageSize = 42, PatchSize = 14, Width = 24, Layers = 1, Heads = 3, MlpRatio = 2.0 },
        Aligner = new AlignerConfig { Layers = 1, EmbedDim = 40, Heads = 4, FfnEmbedDim = 80, NumQueries = 5, MaxPositions = 64 },
        Connector = new ConnectorConfig { Heads = 6 },
    };
    const long Img = 40, EndImg = 41, Pad = 1;

    readonly KosmosGModel _model;
    readonly IDisposable _noGrad = no_grad();

    public KosmosGModelShapeTests()
    {
        manual_seed(7);
        _model = new KosmosGModel(Config, withAlignerDecoder: true);
        _model.eval();
    }

    public void Dispose()
    {
        _model.Dispose();
        _noGrad.Dispose();
    }

    /// <summary>Prompt tokens with one image block (&lt;image&gt; x (Q+1), &lt;/image&gt;) per entry of "I".</summary>
    static (long[] Tokens, bool[] Mask) Prompt(string layout)
    {
        var tokens = new List<long> { KosmosGModel.BosTokenId };
        var mask = new List<bool> { false };
        foreach (var c in layout)
        {
            if (c != 'I') { tokens.Add(5 + c % 30); mask.Add(false); continue; }
            tokens.Add(Img); mask.Add(false);
            for (var i = 0; i < Config.LatentQueryNum; i++) { tokens.Add(Img); mask.Add(true); }
            tokens.Add(EndImg); mask.Add(false);
        }
        return (tokens.ToArray(), mask.ToArray());
    }

    /// <summary>Right-pads prompts like the official collate (&lt;pad&gt; = 1, mask 0).</summary>
    static (Tensor Tokens, Tensor Mask) Batch(params (long[] Tokens, bool[] Mask)[] prompts)
    {
        var t = prompts.Max(p => p.Tokens.Length);
        var tokens = full(prompts.Length, t, Pad, ScalarType.Int64);
        var mask = zeros(prompts.Length, t, ScalarType.Bool);
        for (var b = 0; b < prompts.Length; b++)
        {
            tokens[b, TensorIndex.Slice(0, prompts[b].Tokens.Length)] = tensor(prompts[b].Tokens);
            mask[b, TensorIndex.Slice(0, prompts[b].Mask.Length)] = tensor(prompts[b].Mask);
        }
        return (tokens, mask);
    }

    static Tensor Pixels(int n) => randn(n, 3, Config.Vision.ImageSize, Config.Vision.ImageSize);

    static void Shape(Tensor t, params long[] expected) => Assert.Equal(expected, t.shape);

    [Fact]
    public void EveryMethodProducesTheConfiguredShapes()
    {
        var (tokens, mask) = Batch(Prompt("aIbI"), Prompt("cdIefgh"));
        var t = tokens.shape[1];
        var pixels = Pixels(3);

        Shape(_model.img_model.forward(pixels), 3, Config.Vision.Tokens, 24);
        var features = _model.EncodeImages(pixels);
        Shape(features, 3 * 3, 48);
        var hidden = _model.MllmHidden(tokens, mask, features);
        Shape(hidden, 2, t, 48);
        Shape(_model.gpt_model.decoder.Logits(hidden), 2, t, 50);
        Shape(_model.Align(hidden, tokens), 2, 5, 40);
        Shape(_model.EncodePrompt(tokens, mask, pixels), 2, 5, 40);
        Shape(_model.EncodeUnconditional(), 1, 5, 40);
        Shape(_model.EncodeUnconditional(tensor(new long[] { 0, 7, 8, 9 }).reshape(1, 4)), 1, 5, 40);
        Shape(_model.EncodeCondition(tokens, mask, pixels, null, imagesPerPrompt: 3), 12, 5, 40);
        Shape(_model.EncodePrompt(Batch(Prompt("text only")).Tokens, null, null), 1, 5, 40);

        var aligner = Assert.IsType<Aligner>(_model.aligner);
        var (m, reconstruction) = aligner.ForwardStage2(hidden, tokens.eq(Pad));
        Shape(m, 2, 5, 40);
        Shape(reconstruction, 2, t, 48);
        var losses = Aligner.Stage2Loss(m, randn(2, 5, 40), reconstruction, hidden, Config.Aligner.NumQueries);
        Assert.True(float.IsFinite(losses.Loss.item<float>()));
        Assert.Equal(losses.MseLoss.item<float>() + losses.RecLoss.item<float>(), losses.Loss.item<float>(), 5);
    }

    [Fact]
    public void PromptsInAPaddedBatchGiveTheirUnbatchedConditions()
    {
        var short_ = Prompt("Iab");
        var long_ = Prompt("xyIzwvuI");
        var pixels = Pixels(3);
        var (tokens, mask) = Batch(short_, long_);
        var batched = _model.EncodePrompt(tokens, mask, pixels);

        var (t0, m0) = Batch(short_);
        var alone0 = _model.EncodePrompt(t0, m0, pixels.narrow(0, 0, 1));
        var (t1, m1) = Batch(long_);
        var alone1 = _model.EncodePrompt(t1, m1, pixels.narrow(0, 1, 2));
        // Pads only change the MLLM's own pad rows, which the AlignerNet zeroes and masks out.
        TensorAssert.Close(alone0[0], batched[0], 1e-5, 0, "padded prompt 0");
        TensorAssert.Close(alone1[0], batched[1], 1e-5, 0, "prompt 1");
    }

    [Fact]
    public void MllmIsCausal()
    {
        var (tokens, mask) = Batch(Prompt("abIcdef"));
        var pixels = _model.EncodeImages(Pixels(1));
        var full_ = _model.MllmHidden(tokens, mask, pixels);
        var prefix = _model.MllmHidden(tokens.narrow(1, 0, 8), mask.narrow(1, 0, 8), pixels);
        TensorAssert.Close(full_.narrow(1, 0, 8), prefix, 1e-5, 0, "prefix hidden states");
        Assert.False(full_.narrow(1, 8, 3).allclose(zeros(1, 3, 48)), "later positions are computed");
    }

    [Fact]
    public void ConditionBatchHasUncondFirstThenTheCondBlockRepeated()
    {
        var (tokens, mask) = Batch(Prompt("Ia"), Prompt("bI"));
        var pixels = Pixels(2);
        var negative = tensor(new long[] { 0, 9, 9 }).reshape(1, 3);
        var condition = _model.EncodeCondition(tokens, mask, pixels, negative, imagesPerPrompt: 2);
        var cond = _model.EncodePrompt(tokens, mask, pixels);
        var uncond = _model.EncodeUnconditional(negative);
        for (var i = 0; i < 4; i++) TensorAssert.Close(uncond[0], condition[i], 1e-6, 0, $"row {i} (uncond)");
        for (var i = 0; i < 4; i++) TensorAssert.Close(cond[i % 2], condition[4 + i], 1e-6, 0, $"row {4 + i} (cond {i % 2})");
    }

    [Theory]
    [InlineData(false)] // <s>: the first position of the prompt rows
    [InlineData(true)]  // a negative prompt that opens the second row ("cd" of "cdIa")
    public void UnconditionalBranchFromAPromptPrefixEqualsItsOwnPass(bool negativePrompt)
    {
        // EncodeCondition takes the unconditional MLLM states from the prompt row it opens (the MLLM is causal);
        // EncodeUnconditional runs them on their own. Same maths; float32 rounding of different row counts only.
        var (tokens, mask) = Batch(Prompt("Iab"), Prompt("cdIa"));
        var pixels = Pixels(2);
        var negative = negativePrompt ? tensor(new[] { KosmosGModel.BosTokenId, 5 + 'c' % 30, 5 + 'd' % 30 }).reshape(1, 3) : null;
        var condition = _model.EncodeCondition(tokens, mask, pixels, negative, imagesPerPrompt: 1);
        var uncond = _model.EncodeUnconditional(negative);
        for (var i = 0; i < 2; i++) TensorAssert.Close(uncond[0], condition[i], 1e-5, 0, $"row {i} (uncond)");
    }

    [Fact]
    public void SavedStateDictReloadsByNameToIdenticalOutputs()
    {
        var path = Path.GetTempFileName();
        try
        {
            SafeTensorsWriter.Save(path, _model.state_dict(), new Dictionary<string, string>());
            using var reloaded = KosmosGModel.Load(Config, path, withAlignerDecoder: true);
            var (tokens, mask) = Batch(Prompt("aIb"));
            var pixels = Pixels(1);
            TensorAssert.Close(_model.EncodeCondition(tokens, mask, pixels, null, 1), reloaded.EncodeCondition(tokens, mask, pixels, null, 1), 0, 0, "reloaded");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BadInputsFailWithClearMessages()
    {
        var (tokens, mask) = Batch(Prompt("aI"));
        Assert.Contains("marks 3 slots but 2 image(s) fill 6",
            Assert.Throws<ArgumentException>(() => _model.EncodePrompt(tokens, mask, Pixels(2))).Message);
        Assert.Contains("[N, 3, 42, 42]",
            Assert.Throws<ArgumentException>(() => _model.EncodeImages(randn(1, 3, 28, 28))).Message);
        Assert.Contains("[0, 50)",
            Assert.Throws<ArgumentException>(() => _model.MllmHidden(tensor(new long[] { 0, 50 }).reshape(1, 2))).Message);
        Assert.Contains("int64 [B, T]",
            Assert.Throws<ArgumentException>(() => _model.MllmHidden(zeros(2, 3, ScalarType.Int32))).Message);
        var tooLong = full(1, 63, 5L, ScalarType.Int64);
        Assert.Contains("aligner.max_positions",
            Assert.Throws<ArgumentException>(() => _model.EncodePrompt(tooLong, null, null)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => CfgBatch.Build(zeros(1, 5, 40), zeros(2, 5, 40), 0));
        Assert.Contains("[1, 5, 40]",
            Assert.Throws<ArgumentException>(() => CfgBatch.Build(zeros(2, 5, 40), zeros(2, 5, 40), 1)).Message);
    }
}
