using System.Text.Json;
using KosmosG.Pipelines;
using KosmosG.Training.Alignment;
using KosmosG.Training.Data;
using KosmosG.Training.Loop;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

/// <summary>
/// GradAccum = k with batch b must be the same update as GradAccum = 1 with batch k*b: each micro-batch loss is a mean
/// over its b examples, so the accumulated gradient is the k*b mean only when every micro-batch loss is divided by k.
/// Stage 2 (alignment) makes the comparison exact up to float rounding: its loss draws no noise, and captions that are
/// permutations of the same words tokenise to the same length, so no micro-batch is padded differently from the
/// full batch (the reconstruction loss is scaled by 77 / length).
/// </summary>
public sealed class GradientAccumulationTests(ITestOutputHelper output) : IDisposable
{
    static readonly string[] Captions =
    [
        "red cat blue dog green tree", "blue dog green tree red cat", "green tree red cat blue dog", "red cat green tree blue dog",
        "blue dog red cat green tree", "green tree blue dog red cat", "tree cat dog red blue green", "dog tree cat green red blue",
    ];

    // The same float32 maths summed in another order (one batch of 4 against two of 2 halved): losses and grad norms
    // differ by ~1.5e-7 relative (measured), weights after 3 AdamW steps by 1.1e-6 (measured; each step moves a weight
    // by up to lr = 2e-3). A missing 1/k doubles the grad norm, far outside 1e-5. Clipping at norm 2 and Adam's scale
    // invariance hide it from the weights, which are compared because an accumulation that drops or repeats a
    // micro-batch would change them.
    const double MetricRtol = 1e-5;
    const double WeightAtol = 5e-6, WeightRtol = 1e-5;

    readonly TinyTrainingSetup _setup = new();

    (string Checkpoint, List<JsonElement> Train) Run(string name, int batchSize, int gradAccum)
    {
        var options = _setup.Options(_setup.WriteManifest("captions.jsonl", Captions.Select(c => $"{{\"caption\": \"{c}\"}}")), name,
            steps: 3, batchSize: batchSize) with { GradAccum = gradAccum };
        using var objective = AlignmentObjective.Load(_setup.ModelDir, Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu, reinitAligner: false, TextWriter.Null);
        var train = CaptionExample.ReadManifest(options.DataManifest);
        var lengths = objective.Build(train, train.Select(_ => new Random(0)).ToList()).Tokens.Select(t => t.Length).Distinct().ToList();
        Assert.True(lengths.Count == 1, $"captions tokenise to different lengths {string.Join(", ", lengths)}: micro-batches would pad differently");
        var result = new TrainingRunner<CaptionExample, CaptionBatch>(options, objective, train, null, KosmosGModelFolder.Open(_setup.ModelDir), TextWriter.Null)
            .Run(CancellationToken.None);
        var metrics = File.ReadAllLines(Path.Combine(options.OutputDir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "train").ToList();
        Assert.Equal(3, metrics.Count);
        return (Path.Combine(result.LastCheckpoint!, KosmosGModelFolder.WeightsFile), metrics);
    }

    [Fact]
    public void Accumulating_k_batches_of_b_equals_one_batch_of_k_times_b()
    {
        var whole = Run("whole", batchSize: 4, gradAccum: 1);
        var accumulated = Run("accumulated", batchSize: 2, gradAccum: 2);

        for (var step = 0; step < 3; step++)
            foreach (var key in new[] { "loss", "grad_norm", "mse_loss", "rec_loss" })
            {
                double expected = whole.Train[step].GetProperty(key).GetDouble(), actual = accumulated.Train[step].GetProperty(key).GetDouble();
                output.WriteLine($"step {step + 1} {key}: batch 4 {expected:G9}, 2 x batch 2 {actual:G9}");
                Assert.True(Math.Abs(actual - expected) <= MetricRtol * Math.Abs(expected),
                    $"step {step + 1} {key}: GradAccum 2 x batch 2 gives {actual}, batch 4 gives {expected}");
            }

        using var a = KosmosG.Weights.SafeTensorsFile.Open(whole.Checkpoint);
        using var b = KosmosG.Weights.SafeTensorsFile.Open(accumulated.Checkpoint);
        var trained = a.Tensors.Keys.Where(AlignmentObjective.IsTrainable).ToList();
        Assert.NotEmpty(trained);
        var worst = 0.0;
        foreach (var key in trained)
        {
            using var scope = NewDisposeScope();
            worst = Math.Max(worst, TensorAssert.Close(a.Read(key).to(ScalarType.Float32), b.Read(key).to(ScalarType.Float32), WeightAtol, WeightRtol, key));
        }
        output.WriteLine($"{trained.Count} trained tensors, max |diff| {worst:G3}");
    }

    public void Dispose() => _setup.Dispose();
}
