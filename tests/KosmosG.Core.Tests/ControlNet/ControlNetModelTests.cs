using KosmosG.Models.Diffusion;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.ControlNet;

/// <summary>sd15-extras-tiny controlnet_module: the ControlNet's residuals (plain and guess mode) and the U-Net with them.</summary>
public class ControlNetModelTests(ITestOutputHelper output)
{
    internal static string ControlNetDir => Path.Combine(Fixtures.Sd15Extras, "controlnet");
    static string UnetDir => Path.Combine(Fixtures.Sd15TinyPipeline, "unet");

    internal static ControlNetModel LoadFolder(string dir) =>
        ControlNetModel.Load(Path.Combine(dir, "config.json"), Path.Combine(dir, "diffusion_pytorch_model.safetensors"));

    /// <summary>Compares every residual of a controlnet_module-style call with the case's outputs (cases.json tolerance).</summary>
    internal static double CheckResiduals(Dictionary<string, Tensor> c, ControlNetResiduals r, string prefix, double atol, string what)
    {
        var worst = 0.0;
        for (var i = 0; i < r.Down.Count; i++)
            worst = Math.Max(worst, TensorAssert.Close(c[$"{prefix}down_block_res_sample_{i:D2}"], r.Down[i], atol, 1e-4, $"{what} down residual {i}"));
        return Math.Max(worst, TensorAssert.Close(c[$"{prefix}mid_block_res_sample"], r.Mid, atol, 1e-4, $"{what} mid residual"));
    }

    [Fact]
    public void ResidualsAndControlledUNetMatchDiffusers()
    {
        var c = Fixtures.Sd15ExtrasCase("controlnet_module");
        using var controlnet = LoadFolder(ControlNetDir);
        using var unet = UNet2DConditionModel.Load(Path.Combine(UnetDir, "config.json"), Path.Combine(UnetDir, "diffusion_pytorch_model.safetensors"));
        using var _ = no_grad();
        var (sample, t, ehs, cond) = (c["sample"], c["timestep"].reshape(), c["encoder_hidden_states"], c["controlnet_cond"]);
        var scale = c["conditioning_scale"].item<float>();

        using var residuals = controlnet.Forward(sample, t, ehs, cond, scale);
        Assert.Equal(9, residuals.Down.Count);
        var cn = CheckResiduals(c, residuals, "", 1.8e-5, "controlnet");
        using var guess = controlnet.Forward(sample, t, ehs, cond, scale, guessMode: true);
        var gm = CheckResiduals(c, guess, "guess_", 1.8e-5, "guess mode");

        var controlled = TensorAssert.Close(c["unet_noise_pred"], unet.Forward(sample, t, ehs, residuals), 6.5e-5, 1e-4, "unet with residuals");
        var plain = TensorAssert.Close(c["unet_noise_pred_no_control"], unet.call(sample, t, ehs), 6.5e-5, 1e-4, "unet without residuals");
        output.WriteLine($"controlnet_module max |diff|: residuals {cn:G3}, guess-mode residuals {gm:G3}, unet {controlled:G3}, unet plain {plain:G3}");
    }

    [Fact]
    public void ParameterCountsMatchTheReference()
    {
        using var first = new ControlNetModel(ControlNetConfig.Load(Path.Combine(ControlNetDir, "config.json")));
        using var second = new ControlNetModel(ControlNetConfig.Load(Path.Combine(Fixtures.Sd15Extras, "controlnet2_fp16", "config.json")));
        Assert.Equal(681_224, first.parameters().Sum(p => p.numel()));
        Assert.Equal(684_336, second.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void RefusesAControlNetForAnotherUNet()
    {
        var config = ControlNetConfig.Load(Path.Combine(ControlNetDir, "config.json"));
        var other = config.Unet with { BlockOutChannels = [32, 64, 64] };
        var error = Assert.Throws<InvalidDataException>(() => config.CheckFits(other, "cn"));
        Assert.Contains("block_out_channels is [32, 32, 64], the U-Net has [32, 64, 64]", error.Message);
    }
}
