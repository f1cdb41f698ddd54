using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Tests.ControlNet;
using KosmosG.Weights.SingleFile;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.SingleFile;

/// <summary>sd15-extras-tiny single_file_*: original-layout checkpoints loaded by the LDM/cldm key mapping.</summary>
public class SingleFileTests(ITestOutputHelper output)
{
    static string UnetConfig => Path.Combine(Fixtures.Sd15TinyPipeline, "unet", "config.json");

    [Theory]
    [InlineData("single_file_controlnet_safetensors", "control_sd15_tiny.safetensors", 1.8e-5)]
    [InlineData("single_file_controlnet_pth_fp16", "control_sd15_tiny_fp16.pth", 1.3e-5)]
    public void ControlNetFromTheOriginalLayoutMatchesDiffusers(string caseName, string file, double atol)
    {
        var c = Fixtures.Sd15ExtrasCase(caseName);
        using var controlnet = ControlNetSingleFile.Load(Path.Combine(Fixtures.Sd15Extras, "controlnet_single_file", file), UNet2DConditionConfig.Load(UnetConfig));
        Assert.Equal([8, 16, 32, 32], controlnet.Config.ConditioningEmbeddingOutChannels); // read from the hint convs' shapes
        using var _ = no_grad();
        using var residuals = controlnet.Forward(c["sample"], c["timestep"].reshape(), c["encoder_hidden_states"], c["controlnet_cond"],
            c["conditioning_scale"].item<float>());
        var worst = ControlNetModelTests.CheckResiduals(c, residuals, "", atol, caseName);
        output.WriteLine($"{caseName}: residuals max |diff| {worst:G3}");
    }

    [Theory]
    [InlineData("single_file_sd_safetensors", "sd15_tiny.safetensors", 5.4e-5, 1.9e-4, 6.4e-5)]
    [InlineData("single_file_sd_ckpt_fp16", "sd15_tiny_fp16.ckpt", 4.9e-5, 1.8e-4, 6.7e-5)]
    public void StableDiffusionFromOneFileMatchesDiffusers(string caseName, string file, double unetAtol, double imageAtol, double textAtol)
    {
        var c = Fixtures.Sd15ExtrasCase(caseName);
        // The architecture comes from a diffusers config folder: here the tiny pipeline's own configs (and tokenizer).
        using var pipeline = StableDiffusionPipeline.LoadSingleFile(Path.Combine(Fixtures.Sd15Extras, "single_file", file), Fixtures.Sd15TinyPipeline, ComputeOptions.Cpu);
        using var _ = no_grad();
        var unet = TensorAssert.Close(c["noise_pred"], pipeline.Backbone.Unet.call(c["sample"], c["timestep"].reshape(), c["encoder_hidden_states"]),
            unetAtol, 1e-4, "noise_pred");
        var image = TensorAssert.Close(c["image"], pipeline.Backbone.Vae.Decode(c["z"]), imageAtol, 1e-4, "image");
        var text = TensorAssert.Close(c["last_hidden_state"], pipeline.TextEncoder.call(c["input_ids"]), textAtol, 1e-4, "last_hidden_state");
        output.WriteLine($"{caseName}: noise_pred {unet:G3}, image {image:G3}, last_hidden_state {text:G3}");
    }

    [Fact]
    public void ANonControlNetFileIsAClearError()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            ControlNetSingleFile.Load(Path.Combine(Fixtures.Sd15Extras, "single_file", "sd15_tiny.safetensors"), UNet2DConditionConfig.Load(UnetConfig)));
        Assert.Contains("is not an original-layout ControlNet", error.Message);
    }
}
