using KosmosG.Adapters.Lora;
using KosmosG.Models.Clip;
using KosmosG.Models.Diffusion;
using KosmosG.Pipelines;
using KosmosG.Tests.ControlNet;
using KosmosG.Weights;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Lora;

/// <summary>The sd15-extras-tiny LoRA cases: kohya LoCon, diffusers, its older attention-processor names and the PEFT copies.</summary>
public class LoraTests(ITestOutputHelper output)
{
    static string LoraPath(string file) => Path.Combine(Fixtures.Sd15Extras, "lora", file);
    static string Kohya => LoraPath("kohya_locon_fp16.safetensors");
    static string Diffusers => LoraPath(Path.Combine("diffusers", "pytorch_lora_weights.safetensors"));

    static UNet2DConditionModel LoadUnet() => UNet2DConditionModel.Load(
        Path.Combine(Fixtures.Sd15TinyPipeline, "unet", "config.json"), Path.Combine(Fixtures.Sd15TinyPipeline, "unet", "diffusion_pytorch_model.safetensors"));

    static CLIPTextModel LoadTextEncoder() => CLIPTextModel.Load(
        Path.Combine(Fixtures.Sd15TinyPipeline, "text_encoder", "config.json"), Path.Combine(Fixtures.Sd15TinyPipeline, "text_encoder", "model.safetensors"));

    // (case prefix, file, UNet atol, text-encoder atol) and (case prefix, file, fused outputs atol) from cases.json.
    public static TheoryData<string, string, double, double> Files => new()
    {
        { "lora_kohya", "kohya_locon_fp16.safetensors", 7.6e-5, 5.9e-5 },
        { "lora_kohya", "peft_format_kohya_locon_fp16.safetensors", 7.6e-5, 5.9e-5 },
        { "lora_diffusers", "diffusers/pytorch_lora_weights.safetensors", 5.3e-5, 5.6e-5 },
        { "lora_diffusers", "diffusers_old_attnproc_format.safetensors", 5.3e-5, 5.6e-5 },
        { "lora_diffusers", "peft_format_diffusers.safetensors", 5.3e-5, 5.6e-5 },
    };

    public static TheoryData<string, string, double> FusedFiles => new()
    {
        { "lora_kohya", "kohya_locon_fp16.safetensors", 5.3e-5 },
        { "lora_kohya", "peft_format_kohya_locon_fp16.safetensors", 5.3e-5 },
        { "lora_diffusers", "diffusers/pytorch_lora_weights.safetensors", 6.2e-5 },
        { "lora_diffusers", "diffusers_old_attnproc_format.safetensors", 6.2e-5 },
        { "lora_diffusers", "peft_format_diffusers.safetensors", 6.2e-5 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void UnetAndTextEncoderMatchDiffusersAtEachScale(string caseName, string file, double unetAtol, double textAtol)
    {
        using var lora = LoraFile.Read(LoraPath(file));
        using var unet = LoadUnet();
        using var textEncoder = LoadTextEncoder();
        using var grad = no_grad();
        var u = Fixtures.Sd15ExtrasCase(caseName + "_unet");
        var te = Fixtures.Sd15ExtrasCase(caseName + "_text_encoder");
        var (sample, t, ehs, ids) = (u["sample"], u["timestep"].reshape(), u["encoder_hidden_states"], te["input_ids"]);
        using var before = unet.call(sample, t, ehs);
        using var textBefore = textEncoder.call(ids);
        foreach (var (scale, suffix) in new[] { (1.0, "1"), (0.5, "0.5") })
        {
            using (var scope = LoraScope.Attach([new ScaledLora(lora, scale)], unet, textEncoder))
            {
                Assert.Empty(scope.Warnings);
                var du = TensorAssert.Close(u[$"noise_pred_lora_scale_{suffix}"], unet.call(sample, t, ehs), unetAtol, 1e-4, $"{file} unet scale {scale}");
                var dt = TensorAssert.Close(te[$"last_hidden_state_lora_scale_{suffix}"], textEncoder.call(ids), textAtol, 1e-4, $"{file} text encoder scale {scale}");
                output.WriteLine($"{file} scale {scale}: unet max |diff| {du:G3}, text encoder {dt:G3}");
            }
            // Detached: the models compute exactly what they did before.
            Assert.True(before.Equals(unet.call(sample, t, ehs)), "U-Net output changed after the LoRA was removed");
            Assert.True(textBefore.Equals(textEncoder.call(ids)), "text encoder output changed after the LoRA was removed");
        }
        TensorAssert.Close(u["noise_pred_no_lora"], before, unetAtol, 1e-4, "no LoRA");
    }

    [Theory]
    [MemberData(nameof(FusedFiles))]
    public void FusedWeightsMatchDiffusers(string caseName, string file, double outputAtol)
    {
        using var lora = LoraFile.Read(LoraPath(file));
        using var unet = LoadUnet();
        using var textEncoder = LoadTextEncoder();
        var c = Fixtures.Sd15ExtrasCase(caseName + "_fused");
        Assert.Empty(LoraScope.Fuse([new ScaledLora(lora, 0.7)], unet, textEncoder));
        using var grad = no_grad();
        var unetWeights = unet.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var textWeights = textEncoder.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var worst = 0.0;
        foreach (var (key, value) in c.Where(kv => kv.Key.StartsWith("fused.", StringComparison.Ordinal)))
        {
            var name = key["fused.".Length..];
            var actual = name.StartsWith("unet.", StringComparison.Ordinal) ? unetWeights[name["unet.".Length..]] : textWeights[name["text_encoder.".Length..]];
            worst = Math.Max(worst, TensorAssert.Close(value, actual, 1e-6, what: key)); // fused_weights_atol
        }
        var du = TensorAssert.Close(c["noise_pred"], unet.call(c["sample"], c["timestep"].reshape(), c["encoder_hidden_states"]), outputAtol, 1e-4, "fused unet");
        var dt = TensorAssert.Close(c["last_hidden_state"], textEncoder.call(c["input_ids"]), outputAtol, 1e-4, "fused text encoder");
        output.WriteLine($"{file} fused at 0.7: weights max |diff| {worst:G3}, unet {du:G3}, text encoder {dt:G3}");
    }

    [Fact]
    public void TextEncoderEntriesWarnWhenTheModelHasNoTextEncoder()
    {
        using var lora = LoraFile.Read(Kohya);
        using var unet = LoadUnet();
        using var scope = LoraScope.Attach([new ScaledLora(lora, 1)], unet, textEncoder: null);
        var warning = Assert.Single(scope.Warnings);
        Assert.Contains("12 text-encoder layer(s) not applied", warning);
    }

    /// <summary>PEFT's rank-stabilised LoRA (use_rslora) scales by alpha / sqrt(r), plain LoRA by alpha / r; a file
    /// without lora_adapter_metadata and without alphas has alpha = r.</summary>
    [Theory]
    [InlineData("""{"unet.lora_alpha": 8, "unet.r": 4, "unet.use_rslora": true}""", 4.0)]
    [InlineData("""{"unet.lora_alpha": 8, "unet.r": 4, "unet.use_rslora": false}""", 2.0)]
    [InlineData(null, 1.0)]
    public void PeftAlphasScaleByTheRankAsPeftDoes(string? metadata, double factor)
    {
        using var dir = new TempFolder();
        var path = WritePair(dir, "peft.safetensors", "unet.down_blocks.0.attentions.0.proj_in.lora_A.weight", "unet.down_blocks.0.attentions.0.proj_in.lora_B.weight",
            metadata: metadata is null ? null : new Dictionary<string, string> { ["lora_adapter_metadata"] = metadata });
        using var lora = LoraFile.Read(path);
        Assert.Equal(factor, Assert.Single(lora.Modules).Factor, 12);
    }

    [Fact]
    public void ASingleTextEncoderEntryAlsoWarns()
    {
        using var dir = new TempFolder();
        var path = WritePair(dir, "one_te_layer.safetensors", "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
            "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight");
        using var lora = LoraFile.Read(path);
        using var unet = LoadUnet();
        using var scope = LoraScope.Attach([new ScaledLora(lora, 1)], unet, textEncoder: null);
        Assert.Contains("1 text-encoder layer(s) not applied", Assert.Single(scope.Warnings));
    }

    [Fact]
    public void AnUpWeightOfAnotherRankIsRefusedWhenRead()
    {
        using var dir = new TempFolder();
        var path = WritePair(dir, "rank_mismatch.safetensors", "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight",
            "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", upRank: 2);
        var error = Assert.Throws<InvalidDataException>(() => LoraFile.Read(path));
        Assert.Contains("'lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight' has shape [32, 2], which does not fit rank 4", error.Message);
    }

    /// <summary>A scope's hooks are on its layers only while it is alive; two scopes on one layer add up and leave one by one.</summary>
    [Fact]
    public void LayersAreHookedOnlyWhileAScopeHoldsThem()
    {
        using var lora = LoraFile.Read(Kohya);
        using var unet = LoadUnet();
        IEnumerable<nn.Module<Tensor, Tensor>> Hooked() => unet.modules().OfType<nn.Module<Tensor, Tensor>>().Where(ForwardHooks.Any);
        Assert.Empty(Hooked());
        var first = LoraScope.Attach([new ScaledLora(lora, 1)], unet, null);
        var patched = Hooked().ToList();
        Assert.Contains(patched, m => m is Conv2d);
        var second = LoraScope.Attach([new ScaledLora(lora, 0.5)], unet, null);
        first.Dispose();
        Assert.Equal(patched, Hooked());
        second.Dispose();
        Assert.Empty(Hooked());
    }

    [Fact]
    public void KeysThatFitNoLayerNameTheFileAndTheFirstKey()
    {
        using var dir = new TempFolder();
        var path = WritePair(dir, "sdxl_like.safetensors", "lora_unet_input_blocks_1_1_proj_in.lora_down.weight", "lora_unet_input_blocks_1_1_proj_in.lora_up.weight");
        using var lora = LoraFile.Read(path);
        using var unet = LoadUnet();
        var error = Assert.Throws<GenerationRequestException>(() => LoraScope.Attach([new ScaledLora(lora, 1)], unet, null));
        Assert.Equal("loras", error.Field);
        Assert.Contains("'sdxl_like.safetensors': key 'lora_unet_input_blocks_1_1_proj_in.lora_down.weight' fits no layer", error.Message);
    }

    [Fact]
    public void UnknownTensorKindsAreRefusedByName()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "loha.safetensors");
        using (var w = randn(4, 32)) SafeTensorsWriter.Save(path, [new("lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_a", w)]);
        var error = Assert.Throws<InvalidDataException>(() => LoraFile.Read(path));
        Assert.Contains("key 'lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_a'", error.Message);
    }

    /// <summary>A one-layer LoRA file: a rank-4 down weight [4, 32] and an up weight [32, upRank] under the given keys.</summary>
    static string WritePair(TempFolder dir, string file, string downKey, string upKey, int upRank = 4, Dictionary<string, string>? metadata = null)
    {
        var path = Path.Combine(dir.Path, file);
        using var down = randn(4, 32);
        using var up = randn(32, upRank);
        SafeTensorsWriter.Save(path, [new(downKey, down), new(upKey, up)], metadata);
        return path;
    }
}

/// <summary>A temporary folder removed after the test.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("kosmosg-test-").FullName;
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
