using TorchSharp;
using KosmosG.Models.Clip;
using KosmosG.Models.Diffusion;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Runtime;

namespace KosmosG.Cli.Commands;

/// <summary>Models at a config's real size with their initial (random) weights, built directly in the compute dtype
/// (benchmarks need the shapes, not trained values).</summary>
internal static class RandomModels
{
    public static UNet2DConditionModel Unet(UNet2DConditionConfig config, ComputeOptions compute) =>
        Place(TorchDefaults.Build(compute.DType, () => new UNet2DConditionModel(config)), compute);

    public static AutoencoderKL Vae(AutoencoderKLConfig config, ComputeOptions compute) =>
        Place(TorchDefaults.Build(compute.DType, () => new AutoencoderKL(config)), compute);

    public static CLIPTextModel TextEncoder(CLIPTextConfig config, ComputeOptions compute) =>
        Place(TorchDefaults.Build(compute.DType, () => new CLIPTextModel(config)), compute);

    public static KosmosGModel KosmosG(KosmosGConfig config, ComputeOptions compute) =>
        Place(TorchDefaults.Build(compute.DType, () => new KosmosGModel(config)), compute);

    static T Place<T>(T model, ComputeOptions compute) where T : TorchSharp.torch.nn.Module
    {
        model.to(compute.Device, compute.DType);
        model.eval();
        return model;
    }
}
