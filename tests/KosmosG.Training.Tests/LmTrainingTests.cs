using System.Reflection;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.ToyWorld;
using KosmosG.Training.Data;
using KosmosG.Training.Language;
using KosmosG.Training.Loop;
using KosmosG.Training.Vocabulary;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

public sealed class LmTrainingTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Decoder 2 x 64, a 16 px / 8 px-patch vision tower of width 32, 4 latent queries, a 1-layer AlignerNet.</summary>
    static readonly KosmosGConfig TinySizes = new()
    {
        DecoderLayers = 2, DecoderEmbedDim = 64, DecoderAttentionHeads = 4, DecoderFfnEmbedDim = 128, MaxTargetPositions = 128,
        LatentQueryNum = 4, ImageTokenLength = 4,
        Vision = new VisionConfig { ImageSize = 16, PatchSize = 8, Width = 32, Layers = 1, Heads = 2 },
        Aligner = new AlignerConfig { Layers = 1, EmbedDim = 32, Heads = 2, FfnEmbedDim = 64, NumQueries = 77, MaxPositions = 256 },
    };

    readonly TinyTrainingSetup _setup = new();

    string InitialFolder(string name = "init") =>
        InitialModelFolder.Create(Path.Combine(_setup.Root, name), TinySizes, WordList.FromTexts(WordList.ToyWorldCaptions()),
            Fixtures.Sd15TinyPipeline, seed: 3).Root;

    /// <summary>Image-caption pairs of the shapes world (ToyDatasetWriter's stage-1 manifest) plus plain captions.</summary>
    string ToyManifest(int pairs, int captionsOnly)
    {
        var path = Path.Combine(_setup.Root, "toy", "lm.jsonl");
        ToyDatasetWriter.WriteScenes(path, ToyWorldSets.SceneSamples(pairs, seed: 1));
        File.AppendAllLines(path, ToyWorldSets.CaptionSamples(captionsOnly, seed: 2).Select(c => $"{{\"caption\": \"{c}\"}}"));
        return path;
    }

    static double FullLoss(LmObjective objective, IReadOnlyList<LmExample> examples)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batch = objective.Build(examples, examples.Select(_ => new Random(0)).ToList());
        return objective.Forward(batch, new Generator(0)).Loss.item<float>();
    }

    /// <summary>LmLoss against log-sum-exp in float64 on a 2 x 3 x 5 case with three scored targets (tolerance 1e-6 relative).</summary>
    [Fact]
    public void LossMatchesAHandComputation()
    {
        using var g = new Generator(7);
        var logits = randn([2, 3, 5], generator: g);
        var targets = tensor(new long[] { 4, 0, 2, 1, 1, 3 }, [2, 3]);
        var scored = tensor(new[] { false, true, true, true, false, false }, [2, 3]);
        var result = LmLoss.Compute(logits, targets, scored);

        var l = logits.data<float>().ToArray();
        double nll = 0;
        var correct = 0;
        foreach (var (b, t, y) in new[] { (0, 1, 0), (0, 2, 2), (1, 0, 1) })
        {
            var row = Enumerable.Range(0, 5).Select(v => (double)l[(b * 3 + t) * 5 + v]).ToArray();
            var max = row.Max();
            nll += max + Math.Log(row.Sum(x => Math.Exp(x - max))) - row[y];
            if (Array.IndexOf(row, max) == y) correct++;
        }
        Assert.Equal(3, result.Tokens);
        Assert.True(Math.Abs(result.Loss.item<float>() - nll / 3) <= 1e-6 * nll / 3, $"loss {result.Loss.item<float>():R}, hand {nll / 3:R}");
        Assert.Equal(correct / 3.0, result.Accuracy.item<float>(), 6);
    }

    /// <summary>
    /// The objective on one image-caption pair and one plain caption (padded): sequences and loss masks as the
    /// recipe says, and its loss equal to a float64 cross-entropy over exactly the caption tokens and &lt;/s&gt; of
    /// the model's own logits (tolerance 1e-5 relative: the same float32 forward on both sides).
    /// </summary>
    [Fact]
    public void SequencesScoreOnlyCaptionTokensAndEndOfSentence()
    {
        var model = InitialFolder();
        var manifest = ToyManifest(pairs: 1, captionsOnly: 1);
        using var objective = LmObjective.Load(model, ComputeOptions.Cpu);
        var examples = LmExample.ReadManifest(manifest);
        Assert.NotNull(examples[0].ImagePath);
        Assert.Null(examples[1].ImagePath);
        var batch = objective.Build(examples, [new Random(0), new Random(0)]);
        var dictionary = KosmosGModelFolder.Open(model).PromptBuilder(objective.Model.Config).Dictionary;

        var words0 = examples[0].Caption.Split(' ').Length;
        long[] expectedStart = [dictionary.Bos, .. Enumerable.Repeat((long)dictionary.ImageStart, 5), dictionary.ImageEnd];
        Assert.Equal(expectedStart, batch.Tokens[0][..7]);
        Assert.Equal(7 + words0 + 1, batch.Tokens[0].Length);
        Assert.Equal(dictionary.Eos, batch.Tokens[0][^1]);
        Assert.Equal(Enumerable.Range(0, batch.Tokens[0].Length).Select(i => i >= 2 && i <= 5), batch.ImageMasks[0]);
        Assert.Equal(Enumerable.Range(0, batch.Tokens[0].Length).Select(i => i >= 7), batch.LossMasks[0]);
        Assert.Equal(Enumerable.Range(0, batch.Tokens[1].Length).Select(i => i >= 1), batch.LossMasks[1]);
        Assert.Equal([dictionary.Bos, .. Enumerable.Repeat(-1L, batch.Tokens[1].Length - 2), dictionary.Eos],
            batch.Tokens[1].Select((t, i) => i == 0 || i == batch.Tokens[1].Length - 1 ? t : -1));
        Assert.Single(batch.Pixels);

        using var _ = no_grad();
        var loss = objective.Forward(batch, new Generator(0)).Loss.item<float>();

        // By hand: each row alone (no padding), logits of every position, float64 cross-entropy on the scored targets.
        var decoder = objective.Model.gpt_model.decoder;
        var features = objective.Model.EncodeImages(ManifestImages.Stack(batch.Pixels, batch.ImageSize));
        double nll = 0;
        var count = 0;
        for (var b = 0; b < 2; b++)
        {
            var ids = batch.Tokens[b];
            var source = tensor(ids[..^1], [1, ids.Length - 1]);
            var mask = tensor(batch.ImageMasks[b][..^1], [1, ids.Length - 1]);
            var hidden = b == 0 ? decoder.forward(source, mask, features) : decoder.forward(source);
            var logProbs = decoder.Logits(hidden).to(ScalarType.Float64).log_softmax(-1);
            for (var t = 0; t + 1 < ids.Length; t++)
            {
                if (!batch.LossMasks[b][t + 1]) continue;
                nll -= logProbs[0, t, ids[t + 1]].item<double>();
                count++;
            }
        }
        Assert.Equal(words0 + 1 + batch.Tokens[1].Length - 1, count);
        Assert.True(Math.Abs(loss - nll / count) <= 1e-5 * nll / count, $"objective loss {loss:R}, by hand {nll / count:R}");
    }

    [Fact]
    public void LossGoesDownOnAToyWorldRunAndTheAlignerStaysBitIdentical()
    {
        var model = InitialFolder();
        var manifest = ToyManifest(pairs: 24, captionsOnly: 8);
        var options = _setup.Options(manifest, "run", steps: 40, batchSize: 8) with { ModelDir = model, Warmup = 4 };
        using var objective = LmObjective.Load(model, ComputeOptions.Cpu);
        var examples = LmExample.ReadManifest(manifest);
        Assert.Equal(32, examples.Count);
        Assert.All(objective.Model.named_parameters(), p => Assert.Equal(!p.name.StartsWith("aligner."), p.parameter.requires_grad));
        var trainable = objective.Trainable.Select(p => p.Name).ToList();
        foreach (var prefix in new[] { "img_model.visual.conv1.", "img_model.visual.transformer.resblocks.0.", "img_connector.", "gpt_model.decoder.embed_tokens." })
            Assert.Contains(trainable, n => n.StartsWith(prefix, StringComparison.Ordinal));
        Assert.DoesNotContain(trainable, n => n.StartsWith("aligner.", StringComparison.Ordinal));
        var aligner = objective.Model.named_parameters().Where(p => p.name.StartsWith("aligner.", StringComparison.Ordinal))
            .ToDictionary(p => p.name, p => p.parameter.detach().clone());
        Assert.NotEmpty(aligner);

        var before = FullLoss(objective, examples);
        var result = new TrainingRunner<LmExample, LmBatch>(options, objective, examples, examples,
            KosmosGModelFolder.Open(model), TextWriter.Null).Run(CancellationToken.None);
        var after = FullLoss(objective, examples);

        output.WriteLine($"stage 1 tiny ToyWorld run (40 updates, batch 8, 32 examples): full-set loss {before:0.####} -> {after:0.####}; " +
                         $"batch loss {result.FirstLoss:0.####} -> {result.LastLoss:0.####}");
        Assert.Equal(40, result.Step);
        Assert.True(after < 0.5 * before, $"stage-1 loss on the training set: {before} -> {after}");
        foreach (var (name, parameter) in objective.Model.named_parameters().Where(p => aligner.ContainsKey(p.name)))
            Assert.True(aligner[name].Equals(parameter), $"frozen {name} changed");
        TinyTrainingSetup.AssertSameWeights(Path.Combine(model, KosmosGModelFolder.WeightsFile),
            Path.Combine(result.LastCheckpoint!, KosmosGModelFolder.WeightsFile), k => k.StartsWith("aligner.", StringComparison.Ordinal));
        var metrics = File.ReadAllLines(Path.Combine(options.OutputDir, "metrics.jsonl"));
        Assert.Contains(metrics, l => l.Contains("\"kind\":\"train\"") && l.Contains("token_accuracy"));
        Assert.Contains(metrics, l => l.Contains("\"kind\":\"eval\"") && l.Contains("val_token_accuracy"));
    }

    [Theory]
    [InlineData("{\"caption\": \"a red circle\", \"image\": \"missing.png\"}", "lm.jsonl:2: \"image\": file not found: missing.png")]
    [InlineData("{\"caption\": \"<i> on the left\", \"image\": \"x.png\"}", "lm.jsonl:2: a caption cannot hold <i>")]
    [InlineData("{\"caption\": 5}", "lm.jsonl:2: field \"caption\" must be a string")]
    [InlineData("{\"image\": \"x.png\"}", "lm.jsonl:2: missing required field \"caption\"")]
    [InlineData("{\"caption\": \"a red circle\", \"image\": 3}", "lm.jsonl:2: field \"image\" must be a string")]
    public void CorruptManifestLineIsNamed(string bad, string expected)
    {
        File.WriteAllBytes(Path.Combine(_setup.Root, "x.png"), [1]);
        var path = _setup.WriteManifest("lm.jsonl", ["{\"caption\": \"a blue square\", \"image\": \"x.png\"}", bad, "{\"caption\": \"fine\"}"]);
        var e = Assert.Throws<InvalidDataException>(() => LmExample.ReadManifest(path));
        Assert.Contains(expected, e.Message);
    }

    static int Cli(params string[] args) =>
        (int)Assembly.Load("kosmosg-train-lm").EntryPoint!.Invoke(null, [args])!;

    [Fact]
    public void TrainerCliCreatesTheStartModelAndTrainsEndToEnd()
    {
        var sizes = Path.Combine(_setup.Root, "sizes.json");
        TinySizes.Save(sizes);
        var manifest = ToyManifest(pairs: 6, captionsOnly: 2);
        var model = Path.Combine(_setup.Root, "start");
        var run = Path.Combine(_setup.Root, "cli-run");

        Assert.Equal(0, Cli("init", "--config", sizes, "--sd", Fixtures.Sd15TinyPipeline, "--out", model, "--captions", manifest, "--toyworld", "--seed", "4"));
        Assert.Equal(1, Cli("init", "--config", sizes, "--sd", Fixtures.Sd15TinyPipeline, "--out", model, "--toyworld")); // not empty any more
        Assert.Equal(2, Cli("init", "--config", sizes, "--sd", Fixtures.Sd15TinyPipeline, "--out", Path.Combine(_setup.Root, "other")));
        Assert.Equal(2, Cli("--model", model, "--data", manifest, "--out", run, "--batch-size", "4"));

        Assert.Equal(0, Cli("--model", model, "--data", manifest, "--val", manifest, "--out", run, "--steps", "3", "--batch-size", "4",
            "--warmup", "1", "--log-every", "1", "--threads", "1"));
        var checkpoint = Path.Combine(run, File.ReadAllText(Path.Combine(run, "latest.txt")).Trim());
        Assert.EndsWith("step-0000003", checkpoint);
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(3, metrics.Count(l => l.Contains("\"kind\":\"train\"") && l.Contains("token_accuracy")));
        using var trained = LmObjective.Load(checkpoint, ComputeOptions.Cpu);
        Assert.Equal(KosmosGConfig.Load(Path.Combine(model, KosmosGModelFolder.ConfigFile)).VocabSize, trained.Model.Config.VocabSize);
        // Resuming the finished run's output folder with more steps continues from step 3.
        Assert.Equal(0, Cli("--data", manifest, "--out", run, "--steps", "4", "--batch-size", "4", "--warmup", "1", "--resume", run));
        Assert.EndsWith("step-0000004", File.ReadAllText(Path.Combine(run, "latest.txt")).Trim());
    }

    public void Dispose() => _setup.Dispose();
}
