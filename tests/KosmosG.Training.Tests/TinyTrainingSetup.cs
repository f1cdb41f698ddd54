using KosmosG.Pipelines;
using KosmosG.Training.Loop;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

/// <summary>A kosmosg-tiny model folder (fixture config, checkpoint, tokenizer files, sd15-tiny as sd/) and run helpers.</summary>
public sealed class TinyTrainingSetup : IDisposable
{
    public TinyTrainingSetup()
    {
        Root = Directory.CreateTempSubdirectory("kosmosg-training-").FullName;
        ModelDir = Path.Combine(Root, "model");
        Directory.CreateDirectory(ModelDir);
        File.Copy(Path.Combine(Fixtures.KosmosGTiny, "config.json"), Path.Combine(ModelDir, KosmosGModelFolder.ConfigFile));
        File.Copy(Path.Combine(Fixtures.KosmosGTiny, "checkpoint.safetensors"), Path.Combine(ModelDir, KosmosGModelFolder.WeightsFile));
        File.Copy(Path.Combine(Fixtures.KosmosGTiny, "sentencepiece.bpe.model"), Path.Combine(ModelDir, KosmosGModelFolder.SentencePieceFile));
        File.Copy(Path.Combine(Fixtures.KosmosGTiny, "dict.txt"), Path.Combine(ModelDir, KosmosGModelFolder.DictionaryFile));
        Directory.CreateSymbolicLink(Path.Combine(ModelDir, KosmosGModelFolder.StableDiffusionFolder), Fixtures.Sd15TinyPipeline);
    }

    public string Root { get; }
    public string ModelDir { get; }

    public string WriteManifest(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    public TrainingOptions Options(string data, string output, long steps, int batchSize, string? resume = null) => new()
    {
        ModelDir = ModelDir,
        DataManifest = data,
        OutputDir = Path.Combine(Root, output),
        Steps = steps,
        BatchSize = batchSize,
        Lr = 2e-3,
        Warmup = 2,
        Seed = 5,
        Resume = resume,
        SaveEvery = 1000,
        LogEvery = 1000,
        Prefetch = 2,
    };

    /// <summary>Every tensor of two safetensors files, compared bit for bit.</summary>
    public static void AssertSameWeights(string expectedPath, string actualPath, Func<string, bool>? only = null)
    {
        using var expected = SafeTensorsFile.Open(expectedPath);
        using var actual = SafeTensorsFile.Open(actualPath);
        var keys = expected.Tensors.Keys.Where(k => only?.Invoke(k) ?? true).ToList();
        Assert.NotEmpty(keys);
        var bad = new List<string>();
        foreach (var key in keys)
        {
            using var e = expected.Read(key).to(ScalarType.Float32);
            using var a = actual.Read(key).to(ScalarType.Float32);
            if (!e.Equals(a)) bad.Add($"{key} {(e - a).abs().max().item<float>()}");
        }
        Assert.True(bad.Count == 0, $"{actualPath}: " + string.Join("; ", bad));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
