using KosmosG.Models.Diffusion;
using KosmosG.Weights;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Diffusion;

public class AutoencoderKLTests(ITestOutputHelper output)
{
    static string VaeDir => Path.Combine(Fixtures.Sd15TinyPipeline, "vae");
    static string ConfigPath => Path.Combine(VaeDir, "config.json");
    static string WeightsPath => Path.Combine(VaeDir, "diffusion_pytorch_model.safetensors");
    static string LegacyWeightsPath => Path.Combine(Fixtures.Sd15Tiny, "extras", "vae_legacy_attention_keys.safetensors");

    const double Rtol = 1e-4;
    const double DecodeAtol = 1.9e-4; // cases.json vae_decode
    const double EncodeAtol = 4.1e-5; // cases.json vae_encode

    [Fact]
    public void DecodeMatchesDiffusers()
    {
        var c = Fixtures.Sd15Case("vae_decode");
        using var vae = AutoencoderKL.Load(ConfigPath, WeightsPath);
        using var _ = no_grad();
        Assert.Equal(c["scaling_factor"].item<float>(), (float)vae.Config.ScalingFactor);
        var image = vae.Decode(c["latents"] / vae.Config.ScalingFactor);
        var maxAbs = TensorAssert.Close(c["image"], image, DecodeAtol, Rtol, "vae_decode image");
        output.WriteLine($"vae_decode: max |diff| = {maxAbs:G3}");
    }

    /// <summary>The fixture VAE config without its scaling_factor key: diffusers' default applies.</summary>
    static string ConfigWithoutScalingFactor()
    {
        var json = File.ReadAllText(ConfigPath);
        var stripped = json.Replace("\"scaling_factor\": 0.18215,", "");
        Assert.NotEqual(json, stripped);
        return stripped;
    }

    [Fact]
    public void ScalingFactorDefaultsToStableDiffusions()
    {
        var parsed = AutoencoderKLConfig.Parse(ConfigWithoutScalingFactor(), "vae-config.json");
        var constructed = new AutoencoderKLConfig { BlockOutChannels = [32] };
        // diffusers AutoencoderKL.__init__ default, the value SD v1.x was trained with (exact, not rounded).
        Assert.Equal(0.18215, parsed.ScalingFactor);
        Assert.Equal(0.18215, constructed.ScalingFactor);
        Assert.Equal(Fixtures.Sd15Case("vae_decode")["scaling_factor"].item<float>(), (float)parsed.ScalingFactor);
    }

    /// <summary>Float-level decode through the default scaling factor: a scale off by 0.08 % moves the image by more
    /// than the fixture tolerance, which PNG comparisons (one level = 3.9e-3) cannot see.</summary>
    [Fact]
    public void DecodeWithTheDefaultScalingFactorMatchesDiffusers()
    {
        var c = Fixtures.Sd15Case("vae_decode");
        var dir = Directory.CreateTempSubdirectory("vae-default-scale-").FullName;
        try
        {
            var config = Path.Combine(dir, "config.json");
            File.WriteAllText(config, ConfigWithoutScalingFactor());
            using var vae = AutoencoderKL.Load(config, WeightsPath);
            using var _ = no_grad();
            var image = vae.Decode(c["latents"] / vae.Config.ScalingFactor);
            var maxAbs = TensorAssert.Close(c["image"], image, DecodeAtol, Rtol, "vae_decode image (default scaling_factor)");
            output.WriteLine($"vae_decode with the default scaling_factor: max |diff| = {maxAbs:G3}");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void EncodeMatchesDiffusers()
    {
        var c = Fixtures.Sd15Case("vae_encode");
        using var vae = AutoencoderKL.Load(ConfigPath, WeightsPath);
        using var _ = no_grad();
        var posterior = vae.Encode(c["image"]);
        foreach (var (name, actual) in new[] { ("mean", posterior.Mean), ("logvar", posterior.LogVar), ("std", posterior.Std) })
        {
            var maxAbs = TensorAssert.Close(c[name], actual, EncodeAtol, Rtol, $"vae_encode {name}");
            output.WriteLine($"vae_encode {name}: max |diff| = {maxAbs:G3}");
        }
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, 0.02)]
    [InlineData(ScalarType.Float16, 0.005)]
    public void DecodesInReducedPrecision(ScalarType dtype, double maxRelativeError)
    {
        var c = Fixtures.Sd15Case("vae_decode");
        using var vae = AutoencoderKL.Load(ConfigPath, WeightsPath, dtype: dtype);
        using var _ = no_grad();
        var image = vae.Decode(c["z"].to(dtype));
        Assert.Equal(dtype, image.dtype);
        // Not a fixture tolerance: rounding error of the reduced precision (see UNet2DConditionModelTests.RunsInReducedPrecision).
        var relative = UNet2DConditionModelTests.RelativeErrorNorm(c["image"], image);
        output.WriteLine($"{dtype} relative error norm {relative:G3}");
        Assert.True(relative < maxRelativeError, $"{dtype} relative error norm {relative}");
    }

    [Fact]
    public void LegacyAttentionNamesLoadToTheSameModel()
    {
        var z = Fixtures.Sd15Case("vae_decode")["z"];
        using var vae = AutoencoderKL.Load(ConfigPath, WeightsPath);
        using var legacy = AutoencoderKL.Load(ConfigPath, LegacyWeightsPath);
        using var _ = no_grad();
        // The legacy file holds the same values under the old names, so the outputs are identical.
        TensorAssert.Close(vae.Decode(z), legacy.Decode(z), 0, 0, "decode with legacy-named weights");
    }

    [Fact]
    public void ConvShapedLegacyAttentionWeightsLoad()
    {
        var tensors = SafeTensorsFile.LoadAll(LegacyWeightsPath);
        foreach (var key in tensors.Keys.Where(k => k.EndsWith(".weight") && AutoencoderKL.RenameLegacyKey(k) != k).ToList())
            tensors[key] = tensors[key].reshape(tensors[key].shape[0], tensors[key].shape[1], 1, 1);
        var path = Path.GetTempFileName();
        try
        {
            SafeTensorsWriter.Save(path, tensors);
            var z = Fixtures.Sd15Case("vae_decode")["z"];
            using var vae = AutoencoderKL.Load(ConfigPath, WeightsPath);
            using var conv = AutoencoderKL.Load(ConfigPath, path);
            using var _ = no_grad();
            TensorAssert.Close(vae.Decode(z), conv.Decode(z), 0, 0, "decode with [C,C,1,1] attention weights");
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("decoder.mid_block.attentions.0.query.weight", "decoder.mid_block.attentions.0.to_q.weight")]
    [InlineData("encoder.mid_block.attentions.0.key.bias", "encoder.mid_block.attentions.0.to_k.bias")]
    [InlineData("encoder.mid_block.attentions.0.value.weight", "encoder.mid_block.attentions.0.to_v.weight")]
    [InlineData("decoder.mid_block.attentions.0.proj_attn.bias", "decoder.mid_block.attentions.0.to_out.0.bias")]
    [InlineData("decoder.mid_block.attentions.0.to_q.weight", "decoder.mid_block.attentions.0.to_q.weight")]
    [InlineData("encoder.down_blocks.0.resnets.0.conv1.weight", "encoder.down_blocks.0.resnets.0.conv1.weight")]
    public void RenamesLegacyKeys(string legacy, string current) => Assert.Equal(current, AutoencoderKL.RenameLegacyKey(legacy));

    [Fact]
    public void ParameterCountMatchesTheReference()
    {
        using var vae = new AutoencoderKL(AutoencoderKLConfig.Load(ConfigPath));
        // cases.json parameter_counts.vae
        Assert.Equal(316_695, vae.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void OtherConfigurationBuildsAndRuns()
    {
        var config = AutoencoderKLConfig.Parse("""
            {
              "in_channels": 3, "out_channels": 2, "latent_channels": 3, "block_out_channels": [8, 16, 24],
              "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
              "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
              "layers_per_block": 2, "norm_num_groups": 4, "scaling_factor": 0.5
            }
            """);
        Assert.Equal(0.5, config.ScalingFactor);
        using var vae = new AutoencoderKL(config);
        using var _ = no_grad();
        var posterior = vae.Encode(rand(2, 3, 20, 12) * 2 - 1);
        Assert.Equal([2L, 3, 5, 3], posterior.Mean.shape);
        var image = vae.Decode(posterior.Mean);
        Assert.Equal([2L, 2, 20, 12], image.shape);
        Assert.Contains("decoder.up_blocks.0.resnets.2.conv1.weight", vae.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void UnsupportedConfigIsAClearError()
    {
        var json = File.ReadAllText(ConfigPath).Replace("\"force_upcast\": true", "\"use_quant_conv\": false");
        var error = Assert.Throws<InvalidDataException>(() => AutoencoderKLConfig.Parse(json, "vae-config.json"));
        Assert.Contains("vae-config.json", error.Message);
        Assert.Contains("use_quant_conv", error.Message);
    }
}
