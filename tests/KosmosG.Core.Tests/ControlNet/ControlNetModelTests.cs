using KosmosG.Pipelines;
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

    /// <summary>
    /// Guess mode with guidance (diffusers: the net gets prompt_embeds.chunk(2)[1] and torch.cat([zeros, d]) goes to the
    /// U-Net): the net sees the prompt's half of the context only, and the unconditional rows get zero residuals. The
    /// fixture's guess-mode case has an empty prompt, where both halves are equal; here they differ.
    /// </summary>
    [Fact]
    public void GuessModeWithGuidanceSeesOnlyThePromptHalf()
    {
        var c = Fixtures.Sd15ExtrasCase("controlnet_module");
        using var controlnet = LoadFolder(ControlNetDir);
        using var _ = no_grad();
        var (latents, t, image) = (c["sample"].narrow(0, 0, 1), c["timestep"].reshape(), c["controlnet_cond"].narrow(0, 0, 1));
        var prompt = c["encoder_hidden_states"].narrow(0, 0, 1);
        var context = cat([prompt.flip(2), prompt], 0); // [negative; prompt]
        var guidance = new ControlGuidance([new ControlUnit(controlnet, controlnet.EmbedCondition(image), 0.8, 0, 1)], guessMode: true);

        using var residuals = guidance.Residuals(0, 1, cat([latents, latents], 0), () => latents, t, context, guided: true)!;
        using var expected = controlnet.Forward(latents, t, prompt, image, 0.8, guessMode: true);
        foreach (var (actual, want) in residuals.Down.Zip(expected.Down).Append((residuals.Mid, expected.Mid)))
        {
            Assert.Equal(0, actual[0].abs().max().item<float>());
            TensorAssert.Close(want[0], actual[1], 1e-6, what: "residual of the prompt's row");
        }
    }

    /// <summary>controlnet_conditioning_channel_order "bgr": the net flips the control image's channels first.</summary>
    [Fact]
    public void ABgrNetSeesTheControlImageWithItsChannelsFlipped()
    {
        var c = Fixtures.Sd15ExtrasCase("controlnet_module");
        var config = ControlNetConfig.Load(Path.Combine(ControlNetDir, "config.json"));
        Assert.False(config.BgrChannelOrder);
        var weights = Path.Combine(ControlNetDir, "diffusion_pytorch_model.safetensors");
        using var rgb = ControlNetModel.Build(config, m => KosmosG.Weights.StateDictLoader.Load(m, weights));
        using var bgr = ControlNetModel.Build(config with { BgrChannelOrder = true }, m => KosmosG.Weights.StateDictLoader.Load(m, weights));
        using var _ = no_grad();
        var (sample, t, ehs, cond) = (c["sample"], c["timestep"].reshape(), c["encoder_hidden_states"], c["controlnet_cond"]);
        using var expected = rgb.Forward(sample, t, ehs, cond.flip(1), 1.0);
        using var actual = bgr.Forward(sample, t, ehs, cond, 1.0);
        foreach (var (want, got) in expected.Down.Zip(actual.Down).Append((expected.Mid, actual.Mid)))
            TensorAssert.Close(want, got, 1e-6, what: "residual");
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
