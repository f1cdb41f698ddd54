using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Training.Alignment;
using KosmosG.Training.Data;
using KosmosG.Training.Instruct;
using KosmosG.Training.Loop;

namespace KosmosG.Tests.Training;

/// <summary>The model folders the trainers write are what the service and the CLI load (KosmosGPipeline.Load).</summary>
public sealed class CheckpointServingTests : IDisposable
{
    readonly TinyTrainingSetup _setup = new();

    static void AssertGenerates(string modelDir)
    {
        using var pipeline = KosmosGPipeline.Load(modelDir, ComputeOptions.Cpu);
        var image = new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(Fixtures.KosmosGTiny, "images", "img_a.png")));
        var result = pipeline.Generate(new GenerationRequest
        {
            Prompt = "<i> on a beach",
            Images = [image],
            Steps = 2,
            GuidanceScale = 6,
            Width = 64,
            Height = 64,
            Seed = 1,
        }, new GenerationCallbacks(), CancellationToken.None);
        var png = Assert.Single(result.Images).Png;
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4));
        var decoded = new ImageDecoder().Decode(png);
        Assert.Equal((64, 64), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void Stage2AndStage3CheckpointsLoadInThePipelineAndGenerate()
    {
        var captions = _setup.WriteManifest("captions.jsonl", ["{\"caption\": \"a cat on a table\"}", "{\"caption\": \"a dog in the snow\"}"]);
        var alignOptions = _setup.Options(captions, "stage2", steps: 2, batchSize: 2);
        string stage2;
        using (var objective = AlignmentObjective.Load(_setup.ModelDir, Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu, reinitAligner: false, TextWriter.Null))
            stage2 = new TrainingRunner<CaptionExample, CaptionBatch>(alignOptions, objective, CaptionExample.ReadManifest(captions), null,
                KosmosGModelFolder.Open(_setup.ModelDir), TextWriter.Null).Run(CancellationToken.None).LastCheckpoint!;
        AssertGenerates(stage2);

        var target = Path.Combine(Fixtures.KosmosGTiny, "images", "img_b.png").Replace("\\", "/");
        var data = _setup.WriteManifest("instruct.jsonl", [$"{{\"caption\": \"a cat\", \"target\": \"{target}\"}}"]);
        var instructOptions = _setup.Options(data, "stage3", steps: 2, batchSize: 1) with { ModelDir = stage2 };
        string stage3;
        using (var objective = InstructObjective.Load(stage2, Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu, new InstructSettings()))
            stage3 = new TrainingRunner<InstructExample, InstructBatch>(instructOptions, objective, InstructExample.ReadManifest(data), null,
                KosmosGModelFolder.Open(stage2), TextWriter.Null).Run(CancellationToken.None).LastCheckpoint!;
        AssertGenerates(stage3);
    }

    public void Dispose() => _setup.Dispose();
}
