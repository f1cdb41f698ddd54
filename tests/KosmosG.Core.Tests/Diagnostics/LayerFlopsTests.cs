using KosmosG.Diagnostics;
using KosmosG.Models.Diffusion;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Core.Tests.Diagnostics;

/// <summary>The work counters and the module profiler behind the bench commands, on the tiny SD U-Net.</summary>
public class LayerFlopsTests
{
    static UNet2DConditionModel TinyUnet() =>
        new(UNet2DConditionConfig.Load(Path.Combine(Fixtures.Sd15TinyPipeline, "unet", "config.json")));

    static Tensor Run(UNet2DConditionModel unet, int batch, int size)
    {
        using var sample = randn(batch, unet.Config.InChannels, size, size);
        using var context = randn(batch, 77, unet.Config.CrossAttentionDim[0]);
        using var t = tensor(10L);
        return unet.call(sample, t, context);
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 16)]
    public void CountingTheLayersAUNetRunsGivesTheWorkItsConfigPredicts(int batch, int size)
    {
        using var unet = TinyUnet();
        using var mode = inference_mode();
        using var counter = new LayerFlops(unet);
        Run(unet, batch, size).Dispose();
        var predicted = 2 * UNetFlops.MacsPerSample(unet.Config, size, size) * batch;
        Assert.Equal(predicted, counter.Flops, predicted * 1e-9);
    }

    [Fact]
    public void TheProfilerSeesEveryConvolutionOnceAndItsSelfTimesAddUpToTheForward()
    {
        using var unet = TinyUnet();
        using var mode = inference_mode();
        using var profiler = new ModuleProfiler(unet);
        Run(unet, 1, 8).Dispose();
        var entries = profiler.Entries.ToDictionary(e => e.Type);
        Assert.Equal(unet.modules().OfType<Conv2d>().Count(), entries["Conv2d"].Calls);
        Assert.Equal(1, entries[nameof(UNet2DConditionModel)].Calls);
        Assert.Equal(entries[nameof(UNet2DConditionModel)].InclusiveSeconds, entries.Values.Sum(e => e.SelfSeconds), 1e-6);
        Assert.All(entries.Values, e => Assert.InRange(e.SelfSeconds, 0, e.InclusiveSeconds));

        profiler.Dispose();
        profiler.Reset();
        Run(unet, 1, 8).Dispose();
        Assert.Empty(profiler.Entries);
    }
}
