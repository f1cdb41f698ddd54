using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Tests.Pipelines;
using static TorchSharp.torch;

namespace KosmosG.Tests;

/// <summary>
/// Loading in bf16 builds the modules under libtorch's process-wide default dtype (so no float32 copy ever exists);
/// tests that do it run alone, after the parallel ones, so no other test creates tensors meanwhile.
/// </summary>
[CollectionDefinition(nameof(ProcessWideTorchDefaults), DisableParallelization = true)]
public sealed class ProcessWideTorchDefaults;

[Collection(nameof(ProcessWideTorchDefaults))]
public class ReducedPrecisionLoadTests
{
    [Fact]
    public void KosmosGLoadsInBFloat16AndStaysCloseToFloat32()
    {
        using var model = KosmosGModel.Load(KosmosGConfig.Load(KosmosGTinyCases.ConfigPath), KosmosGTinyCases.CheckpointPath, dtype: ScalarType.BFloat16);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.Equal(ScalarType.Float32, get_default_dtype());
        using var _ = no_grad();
        const string id = "p2_two_images";
        var condition = model.EncodeCondition(KosmosGTinyCases.Tensor(id, "src_tokens"), KosmosGTinyCases.ImageMask(id),
            KosmosGTinyCases.Images(id), KosmosGTinyCases.Tensor(id, "negative_tokens"), imagesPerPrompt: 1);
        Assert.Equal(ScalarType.BFloat16, condition.dtype);
        var expected = KosmosGTinyCases.Tensor(id, "encode_condition");
        var relative = ((condition.to(ScalarType.Float32) - expected).norm() / expected.norm()).item<float>();
        Assert.True(relative < 0.05, $"bf16 condition relative error {relative}");
    }

    [Fact]
    public void StableDiffusionBf16ComputeStaysCloseToFp32()
    {
        using var bf16 = StableDiffusionPipeline.Load(Fixtures.Sd15TinyPipeline, ComputeOptions.Parse("cpu", "bf16"));
        var expected = Fixtures.Sd15Case("e2e_dpmpp_2m");
        Tensor? final = null;
        bf16.Generate(StableDiffusionPipelineTests.RequestFor("e2e_dpmpp_2m", "dpms"), expected["latents"], new GenerationCallbacks(),
            CancellationToken.None, l => final = l.clone().DetachFromDisposeScope());
        // bf16 keeps 8 mantissa bits and guidance 5 amplifies the U-Net's rounding over 6 steps: the latents must stay
        // near the fp32 reference (relative L2 error a few percent), not match it element by element.
        var relative = (final! - expected["final_latents"]).norm().item<float>() / expected["final_latents"].norm().item<float>();
        Assert.True(relative < 0.05, $"bf16 final latents are {relative:P1} away from fp32");
    }
}
