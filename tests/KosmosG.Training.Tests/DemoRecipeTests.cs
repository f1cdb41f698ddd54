using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Schedulers;
using KosmosG.ToyWorld;
using KosmosG.Training.Demo;
using KosmosG.Weights;

namespace KosmosG.Tests.Training;

/// <summary>The demo recipe end to end at a few steps a stage: every stage runs, the published folder is a KOSMOS-G
/// model folder the pipeline loads and generates with, and a second run skips the finished stages.</summary>
public sealed class DemoRecipeTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("demo-recipe-").FullName;

    static string ConfigsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var configs = Path.Combine(dir.FullName, "configs", "demo");
            if (File.Exists(Path.Combine(configs, "kosmosg.json"))) return configs;
        }
        throw new DirectoryNotFoundException("configs/demo not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void QuickRecipePublishesAModelFolderThatGeneratesAndResumesBySkippingFinishedStages()
    {
        var work = Path.Combine(_dir, "work");
        var output = Path.Combine(_dir, "demo");
        var log = new StringWriter();
        new DemoBuilder(DemoRecipe.Quick, work, ConfigsDir(), ComputeOptions.Cpu, log).Build(output, CancellationToken.None);
        foreach (var stage in new[] { "stage 0: VAE on", "stage 0: VAE decoder", "stage 0: text encoder", "(phase 1)", "(phase 2)", "stage1-lm:", "stage2-align:", "stage3-instruct:" })
            Assert.Contains(stage, log.ToString());

        Assert.Empty(Directory.GetDirectories(work, "*.resume"));
        Assert.Empty(Directory.GetDirectories(work, "*.partial"));
        var folder = KosmosGModelFolder.Open(output);
        // The last phase switches to the v objective; the published scheduler config says so, for sampling and stage 3.
        Assert.Contains("(phase 2), 2 steps, t >= 0, lr 0.001, v_prediction objective", log.ToString());
        Assert.Equal("v_prediction", SchedulerConfig.Load(Path.Combine(folder.StableDiffusionDir, "scheduler", "scheduler_config.json")).PredictionType);
        Assert.False(new DirectoryInfo(folder.StableDiffusionDir).LinkTarget is not null, "the published sd/ is a real folder");
        Assert.False(Directory.Exists(Path.Combine(output, "training")));
        foreach (var file in Directory.GetFiles(output, "*.safetensors", SearchOption.AllDirectories))
            foreach (var (name, tensor) in SafeTensorsFile.LoadAll(file))
                using (tensor) Assert.True(tensor.dtype == TorchSharp.torch.ScalarType.Float16, $"{file}: {name} is {tensor.dtype}");
        using (var pipeline = ImageGenerators.Load(output, ComputeOptions.Cpu))
        {
            Assert.Equal("kosmos-g", pipeline.Info.Kind);
            var sampling = DemoRecipe.Quick.Sampling;
            Assert.Equal((sampling.Steps, sampling.GuidanceScale, sampling.Scheduler),
                (pipeline.Info.Defaults.Steps, pipeline.Info.Defaults.GuidanceScale, pipeline.Info.Defaults.Scheduler));
            var result = pipeline.Generate(new GenerationRequest
            {
                Prompt = "<i> on the left on a black background",
                Images = [ToyRenderer.RenderSubject(ToyColor.Red, ToyShape.Circle)],
                Steps = 2,
                GuidanceScale = 3,
                Width = pipeline.Info.Defaults.Width,
                Height = pipeline.Info.Defaults.Height,
                Seed = 1,
            }, new GenerationCallbacks(), CancellationToken.None);
            var image = new ImageDecoder().Decode(Assert.Single(result.Images).Png);
            Assert.Equal((64, 64), (image.Width, image.Height));
        }

        var weights = File.ReadAllBytes(folder.WeightsPath);
        var again = new StringWriter();
        new DemoBuilder(DemoRecipe.Quick, work, ConfigsDir(), ComputeOptions.Cpu, again).Build(output, CancellationToken.None);
        Assert.DoesNotContain("stage 0", again.ToString());
        Assert.DoesNotContain("steps, batch", again.ToString());
        Assert.Equal(weights, File.ReadAllBytes(folder.WeightsPath));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
