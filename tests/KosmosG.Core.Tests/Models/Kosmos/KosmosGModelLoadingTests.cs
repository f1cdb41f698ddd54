using KosmosG.Models.Kosmos;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Kosmos;

public sealed class KosmosGModelLoadingTests
{
    static KosmosGConfig TinyConfig => KosmosGConfig.Load(KosmosGTinyCases.ConfigPath);

    /// <summary>Writes the fixture checkpoint with one tensor replaced (or removed when <paramref name="replacement"/> is null).</summary>
    static string CheckpointWith(string key, Tensor? replacement)
    {
        var tensors = SafeTensorsFile.LoadAll(KosmosGTinyCases.CheckpointPath);
        Assert.True(tensors.ContainsKey(key), key);
        if (replacement is null) tensors.Remove(key);
        else tensors[key] = replacement;
        var path = Path.GetTempFileName();
        SafeTensorsWriter.Save(path, tensors, new Dictionary<string, string>());
        return path;
    }

    [Fact]
    public void WronglyShapedKeyFailsNamingIt()
    {
        var path = CheckpointWith("img_connector.latent_query", zeros(5, 64));
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => KosmosGModel.Load(TinyConfig, path));
            Assert.Contains("img_connector.latent_query [5,64] expected [4,64]", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void MissingKeyFailsNamingIt()
    {
        var path = CheckpointWith("gpt_model.decoder.layers.1.ffn.ffn_layernorm.bias", null);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => KosmosGModel.Load(TinyConfig, path));
            Assert.Contains("gpt_model.decoder.layers.1.ffn.ffn_layernorm.bias", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ConfigThatDoesNotMatchTheCheckpointFailsNamingKeys()
    {
        var e = Assert.Throws<InvalidDataException>(() => KosmosGModel.Load(TinyConfig with { DecoderLayers = 3 }, KosmosGTinyCases.CheckpointPath));
        Assert.Contains("gpt_model.decoder.layers.2.self_attn.q_proj.weight", e.Message);
    }

    [Fact]
    public void EveryCheckpointKeyIsLoadedOrDocumentedAsUnused()
    {
        using var file = SafeTensorsFile.Open(KosmosGTinyCases.CheckpointPath);
        foreach (var withDecoder in new[] { false, true })
        {
            using var model = new KosmosGModel(TinyConfig, withDecoder);
            var report = StateDictLoader.Load(model, file, strict: false, ignore: k => KosmosGModel.IsUnusedCheckpointKey(k, withDecoder));
            Assert.True(report.IsClean, report.Describe());
            var skipped = file.Tensors.Keys.Count(k => KosmosGModel.IsUnusedCheckpointKey(k, withDecoder));
            Assert.Equal(file.Tensors.Count, report.Loaded + skipped);
        }
        // The inference model takes 204 keys minus the 3 unused buffers/tied copies (fixture README).
        using var inference = new KosmosGModel(TinyConfig);
        Assert.Equal(201, inference.named_parameters().Count() + inference.named_buffers().Count());
    }
}
