using KosmosG.Models.Kosmos;
using KosmosG.Training.Alignment;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

public sealed class AlignmentLossTests
{
    /// <summary>
    /// loss_stage2 of kosmosg-tiny (official KosmosGLoss with --align, float32): the fixture README suggests 2e-5
    /// absolute on the loss-case tensors and 1e-5 relative on the losses.
    /// </summary>
    [Fact]
    public void Stage2LossMatchesTheOfficialFixture()
    {
        var config = KosmosGConfig.Load(Path.Combine(Fixtures.KosmosGTiny, "config.json"));
        using var model = KosmosGModel.Load(config, Path.Combine(Fixtures.KosmosGTiny, "checkpoint.safetensors"), withAlignerDecoder: true);
        using var cases = SafeTensorsFile.Open(Path.Combine(Fixtures.KosmosGTiny, "cases.safetensors"));
        Tensor Case(string name) => cases.Read("loss_stage2." + name);

        var result = AlignmentLoss.Compute(model, Case("src_tokens"), Case("target_clip_embed"));
        foreach (var (name, actual) in new[] { ("mse_loss", result.Losses.MseLoss), ("rec_loss", result.Losses.RecLoss), ("loss", result.Losses.Loss) })
        {
            var expected = Case(name).item<float>();
            Assert.True(Math.Abs(actual.item<float>() - expected) <= 1e-5 * Math.Abs(expected),
                $"{name}: expected {expected:R}, got {actual.item<float>():R} (relative tolerance 1e-5)");
        }
        var cosine = result.Cosine.item<float>();
        Assert.InRange(cosine, -1f, 1f);
        Assert.True(result.Losses.Loss.requires_grad, "the loss must carry gradients to the AlignerNet");
    }
}
