using KosmosG.Pipelines;

namespace KosmosG.Tests.Pipelines;

/// <summary>A cancel or deadline stops a running generation within one denoising step and one VAE decode.</summary>
public class PipelineCancellationTests(Sd15TinyPipeline fixture) : IClassFixture<Sd15TinyPipeline>
{
    static GenerationRequest Request(int steps, int count) =>
        StableDiffusionPipelineTests.RequestFor("e2e_pndm", "pndm") with { Steps = steps, Count = count, Seed = 5 };

    [Fact]
    public void AlreadyCancelled_RunsNoStep()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var steps = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
            fixture.Pipeline.Generate(Request(3, 1), new GenerationCallbacks { Step = (_, _) => steps++ }, cancel.Token));
        Assert.Equal(0, steps);
    }

    [Fact]
    public void CancelDuringAStep_RunsNoFurtherStep()
    {
        using var cancel = new CancellationTokenSource();
        var steps = new List<int>();
        var callbacks = new GenerationCallbacks { Step = (done, _) => { steps.Add(done); if (done == 2) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => fixture.Pipeline.Generate(Request(6, 1), callbacks, cancel.Token));
        Assert.Equal([1, 2], steps);
    }

    [Fact]
    public void CancelDuringTheLastStep_SkipsTheVaeDecode()
    {
        using var cancel = new CancellationTokenSource();
        var images = 0;
        var callbacks = new GenerationCallbacks
        {
            Step = (done, total) => { if (done == total) cancel.Cancel(); },
            Image = _ => images++,
        };
        Assert.ThrowsAny<OperationCanceledException>(() => fixture.Pipeline.Generate(Request(3, 2), callbacks, cancel.Token));
        Assert.Equal(0, images);
    }

    [Fact]
    public void CancelAfterTheFirstImage_DecodesNoOther()
    {
        using var cancel = new CancellationTokenSource();
        var images = new List<GeneratedImage>();
        var callbacks = new GenerationCallbacks
        {
            Image = image => { images.Add(image); cancel.Cancel(); },
        };
        Assert.ThrowsAny<OperationCanceledException>(() => fixture.Pipeline.Generate(Request(2, 3), callbacks, cancel.Token));
        Assert.Equal([0], images.Select(i => i.Index));
    }

    [Fact]
    public void ImagesDecodedOneByOne_MatchTheBatch()
    {
        // Image i of an n=3 request is image 0 of an n=1 request seeded seed+i (within a level: batch-size-dependent kernels).
        var three = fixture.Pipeline.Generate(Request(2, 3), new GenerationCallbacks(), CancellationToken.None);
        Assert.Equal([0, 1, 2], three.Images.Select(i => i.Index));
        var last = fixture.Pipeline.Generate(Request(2, 1) with { Seed = 7 }, new GenerationCallbacks(), CancellationToken.None);
        TensorAssert.Close(PngFiles.Pixels(last.Images[0].Png), PngFiles.Pixels(three.Images[2].Png), atol: 1, what: "image of seed 7");
    }
}
