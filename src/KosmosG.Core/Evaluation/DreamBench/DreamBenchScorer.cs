using KosmosG.Imaging;
using static TorchSharp.torch;

namespace KosmosG.Evaluation.DreamBench;

/// <summary>
/// Scores generated images like the official re-evaluation branch: batches of 16 (generated image, reference, prompt),
/// DINO and CLIP-I against the sample's reference, CLIP-T against its prompt, float32 running sums, max(mean, 0).
/// Each reference's features are computed once.
/// </summary>
public sealed class DreamBenchScorer(MetricModels models, Func<string, RgbImage>? loadImage = null) : IDisposable
{
    public const int BatchSize = 16;

    readonly Func<string, RgbImage> _load = loadImage ?? (path => PilImageFile.LoadRgb(path));
    readonly Dictionary<string, (Tensor Dino, Tensor Clip)> _references = new(StringComparer.Ordinal);

    /// <param name="progress">(samples done, total) after each batch.</param>
    public DreamBenchScores Score(IReadOnlyList<DreamBenchSample> samples, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (samples.Count == 0) throw new ArgumentException("no samples to score", nameof(samples));
        var (dino, clipI, clipT) = (new ScoreAccumulator(), new ScoreAccumulator(), new ScoreAccumulator());
        var rows = new List<SampleScores>(samples.Count);
        for (var start = 0; start < samples.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = samples.Skip(start).Take(BatchSize).ToList();
            using var scope = NewDisposeScope();
            var images = batch.Select(s => _load(s.GeneratedPath)).ToList();
            var refs = batch.Select(s => Reference(s.ReferencePath)).ToList();
            var d = Floats(PairScores.Dino(models.DinoFeatures(images), stack(refs.Select(r => r.Dino))));
            var clipImages = models.ClipImageFeatures(images);
            var ci = Floats(PairScores.Clip(clipImages, stack(refs.Select(r => r.Clip))));
            var ct = Floats(PairScores.Clip(clipImages, models.ClipTextFeatures([.. batch.Select(s => s.Prompt)])));
            dino.Add(d);
            clipI.Add(ci);
            clipT.Add(ct);
            for (var i = 0; i < batch.Count; i++) rows.Add(new SampleScores(batch[i], d[i], ci[i], ct[i]));
            progress?.Invoke(rows.Count, samples.Count);
        }
        return new DreamBenchScores(rows, dino.Score, clipI.Score, clipT.Score);
    }

    (Tensor Dino, Tensor Clip) Reference(string path)
    {
        if (_references.TryGetValue(path, out var cached)) return cached;
        var image = _load(path);
        var features = (models.DinoFeatures([image])[0].DetachFromDisposeScope(), models.ClipImageFeatures([image])[0].DetachFromDisposeScope());
        _references[path] = features;
        return features;
    }

    public void Dispose()
    {
        foreach (var (d, c) in _references.Values)
        {
            d.Dispose();
            c.Dispose();
        }
        _references.Clear();
    }

    static float[] Floats(Tensor t) => t.to(ScalarType.Float32).data<float>().ToArray();
}
