using KosmosG.Conversion;
using KosmosG.Pipelines;
using static TorchSharp.torch;

namespace KosmosG.Tests.Pipelines;

/// <summary>The official-format tiny checkpoint (checkpoint.pt) converted once into a temporary model folder.</summary>
public sealed class ConvertedTinyKosmosG : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "kosmosg-tiny-" + Guid.NewGuid().ToString("N"));
    public ConvertReport Report { get; }
    readonly Lazy<KosmosGPipeline> _pipeline;

    public ConvertedTinyKosmosG()
    {
        Report = KosmosGConverter.Convert(Options(Path.Combine(Fixtures.KosmosGTiny, "checkpoint.pt"), Folder));
        _pipeline = new(() => KosmosGPipeline.Load(Folder, ComputeOptions.Cpu));
    }

    public KosmosGPipeline Pipeline => _pipeline.Value;

    public static ConvertOptions Options(string checkpoint, string output, string? config = null) => new(
        checkpoint,
        config ?? Path.Combine(Fixtures.KosmosGTiny, "config.json"),
        Path.Combine(Fixtures.KosmosGTiny, "sentencepiece.bpe.model"),
        Path.Combine(Fixtures.KosmosGTiny, "dict.txt"),
        Fixtures.Sd15TinyPipeline,
        output,
        ScalarType.Float32);

    public void Dispose()
    {
        if (_pipeline.IsValueCreated) _pipeline.Value.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
