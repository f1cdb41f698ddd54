using KosmosG.Pipelines;

namespace KosmosG.Tests.Pipelines;

public sealed class GenerationConfigFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("kosmosg-genconfig-").FullName;
    static readonly GenerationDefaults Built = new(Steps: 20, GuidanceScale: 6, Scheduler: "dpms", Width: 64, Height: 64);

    void WriteFile(string json) => File.WriteAllText(Path.Combine(_dir, GenerationConfigFile.FileName), json);

    [Fact]
    public void WithoutAFileTheLoadersDefaultsStand() => Assert.Equal(Built, GenerationConfigFile.Apply(_dir, Built));

    [Fact]
    public void TheFilesValuesReplaceTheDefaultsItNames()
    {
        WriteFile("""{ "guidance_scale": 3.5 }""");
        Assert.Equal(Built with { GuidanceScale = 3.5 }, GenerationConfigFile.Apply(_dir, Built));
        GenerationConfigFile.Write(_dir, 30, 2, "euler-a");
        Assert.Equal(Built with { Steps = 30, GuidanceScale = 2, Scheduler = "euler-a" }, GenerationConfigFile.Apply(_dir, Built));
    }

    [Theory]
    [InlineData("""{ "scheduler": "plms" }""", "scheduler 'plms' is not one of")]
    [InlineData("""{ "guidance_scale": -1 }""", "guidance_scale -1 must be a number >= 0")]
    [InlineData("""{ "num_inference_steps": 0 }""", "num_inference_steps 0 is outside 1..1000")]
    [InlineData("""{ "num_inference_steps": "many" }""", "")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{ "guidance_scale": """, "")]
    public void ABadFileIsReportedWithItsPath(string json, string message)
    {
        WriteFile(json);
        var e = Assert.Throws<InvalidDataException>(() => GenerationConfigFile.Apply(_dir, Built));
        Assert.StartsWith(Path.Combine(_dir, GenerationConfigFile.FileName) + ": ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ThePipelineReportsTheFilesDefaults()
    {
        using var tiny = new ConvertedTinyKosmosG();
        Assert.Equal(6, tiny.Pipeline.Info.Defaults.GuidanceScale);
        GenerationConfigFile.Write(tiny.Folder, 12, 2.5, "ddim");
        using var pipeline = KosmosGPipeline.Load(tiny.Folder, ComputeOptions.Cpu);
        Assert.Equal((12, 2.5, "ddim"), (pipeline.Info.Defaults.Steps, pipeline.Info.Defaults.GuidanceScale, pipeline.Info.Defaults.Scheduler));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
