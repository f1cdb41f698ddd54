using KosmosG.Models.Clip;
using KosmosG.Weights;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Clip;

public class CLIPTextModelTests(ITestOutputHelper output)
{
    static readonly string EncoderDir = Path.Combine(Fixtures.Sd15TinyPipeline, "text_encoder");
    static readonly string ConfigPath = Path.Combine(EncoderDir, "config.json");
    // cases.json suggests atol 6.4e-5 (50x the measured fp64-vs-fp32 gap of 1.28e-6) and rtol 1e-4.
    const double Atol = 6.4e-5, Rtol = 1e-4;

    static Tensor Run(CLIPTextModel model, Tensor inputIds)
    {
        using var _ = no_grad();
        return model.forward(inputIds);
    }

    [Fact]
    public void LoadsTheFixtureConfig()
    {
        var c = CLIPTextConfig.Load(ConfigPath);
        Assert.Equal((32, 37, 2, 4, 77, 765, "quick_gelu", 1e-5),
            (c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.MaxPositionEmbeddings, c.VocabSize, c.HiddenAct, c.LayerNormEps));
    }

    [Fact]
    public void MatchesTheReferenceLastHiddenState()
    {
        var reference = Fixtures.Sd15Case("text_encoder");
        using var model = CLIPTextModel.Load(ConfigPath, Path.Combine(EncoderDir, "model.safetensors"));
        using var actual = Run(model, reference["input_ids"]);
        var maxAbs = TensorAssert.Close(reference["last_hidden_state"], actual, Atol, Rtol, "last_hidden_state");
        output.WriteLine($"last_hidden_state max |diff| = {maxAbs:G3}");
    }

    [Fact]
    public void IgnoresTheLegacyPositionIdsBuffer()
    {
        var reference = Fixtures.Sd15Case("text_encoder");
        var path = Path.Combine(Fixtures.Sd15Tiny, "extras", "text_encoder_with_position_ids.safetensors");
        using var model = CLIPTextModel.Load(ConfigPath, path);
        using var actual = Run(model, reference["input_ids"]);
        var maxAbs = TensorAssert.Close(reference["last_hidden_state"], actual, Atol, Rtol, "last_hidden_state (position_ids file)");
        output.WriteLine($"position_ids variant: max |diff| = {maxAbs:G3}");
    }

    [Fact]
    public void RunsInTheDtypeItIsMovedTo()
    {
        var reference = Fixtures.Sd15Case("text_encoder");
        using var model = CLIPTextModel.Load(ConfigPath, Path.Combine(EncoderDir, "model.safetensors"));
        model.to(ScalarType.BFloat16);
        using var actual = Run(model, reference["input_ids"]);
        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        // bfloat16 keeps 8 mantissa bits; on these layer-normed outputs of magnitude ~1-3 that is a few 1e-2 at most.
        var maxAbs = TensorAssert.Close(reference["last_hidden_state"], actual, atol: 0.1, what: "bf16 last_hidden_state");
        output.WriteLine($"bf16 last_hidden_state max |diff| = {maxAbs:G3}");
    }

    [Fact]
    public void RejectsWeightsWithAMissingKey()
    {
        var path = Path.GetTempFileName();
        try
        {
            var tensors = SafeTensorsFile.LoadAll(Path.Combine(EncoderDir, "model.safetensors"));
            tensors.Remove("text_model.encoder.layers.1.mlp.fc2.bias");
            SafeTensorsWriter.Save(path, tensors);
            var e = Assert.Throws<InvalidDataException>(() => CLIPTextModel.Load(ConfigPath, path));
            Assert.Contains("text_model.encoder.layers.1.mlp.fc2.bias", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void RejectsUnsupportedActivationNamingTheFile()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, File.ReadAllText(ConfigPath).Replace("\"quick_gelu\"", "\"swish\""));
            var e = Assert.Throws<InvalidDataException>(() => CLIPTextConfig.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("swish", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void RejectsTooManyTokensAndOutOfVocabularyIds()
    {
        using var model = new CLIPTextModel(CLIPTextConfig.Load(ConfigPath));
        Assert.Throws<ArgumentException>(() => Run(model, zeros(1, 78, dtype: ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => Run(model, full(1, 77, 765L, dtype: ScalarType.Int64)));
    }
}
