using System.Text.Json;
using KosmosG.Models.Kosmos;

namespace KosmosG.Tests.Models.Kosmos;

public sealed class KosmosGConfigTests
{
    static KosmosGConfig FromJson(string json)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, json);
            return KosmosGConfig.Load(path);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LoadsTheTinyFixtureConfig()
    {
        var c = KosmosGConfig.Load(KosmosGTinyCases.ConfigPath);
        Assert.Equal((2, 64, 4, 256, 512, 325), (c.DecoderLayers, c.DecoderEmbedDim, c.DecoderAttentionHeads, c.DecoderFfnEmbedDim, c.MaxTargetPositions, c.VocabSize));
        Assert.Equal((4, 4, 1e-5, 1, 8.0), (c.LatentQueryNum, c.ImageTokenLength, c.LayernormEps, c.PaddingIdx, c.EmbedScale));
        Assert.Equal((28, 14, 32, 2, 2, 128, 5), (c.Vision.ImageSize, c.Vision.PatchSize, c.Vision.Width, c.Vision.Layers, c.Vision.Heads, c.Vision.MlpWidth, c.Vision.Tokens));
        Assert.Equal((2, 32, 2, 128, 77, 512, 2), (c.Aligner.Layers, c.Aligner.EmbedDim, c.Aligner.Heads, c.Aligner.FfnEmbedDim, c.Aligner.NumQueries, c.Aligner.MaxPositions, c.Aligner.PositionOffset));
        Assert.Equal(4, c.ConnectorHeads);
    }

    [Fact]
    public void AbsentValuesTakeTheKosmosgXlPreset()
    {
        var c = FromJson("{}");
        Assert.Equal((24, 2048, 32, 8192, 2048, 64007), (c.DecoderLayers, c.DecoderEmbedDim, c.DecoderAttentionHeads, c.DecoderFfnEmbedDim, c.MaxTargetPositions, c.VocabSize));
        Assert.Equal((64, 64, 1e-5, false), (c.LatentQueryNum, c.ImageTokenLength, c.LayernormEps, c.NoScaleEmbedding));
        Assert.Equal(Math.Sqrt(2048), c.EmbedScale);
        Assert.Equal((224, 14, 1024, 24, 16, 4096, 257), (c.Vision.ImageSize, c.Vision.PatchSize, c.Vision.Width, c.Vision.Layers, c.Vision.Heads, c.Vision.MlpWidth, c.Vision.Tokens));
        Assert.Equal((12, 768, 12, 3072, 77, 32768, 2), (c.Aligner.Layers, c.Aligner.EmbedDim, c.Aligner.Heads, c.Aligner.FfnEmbedDim, c.Aligner.NumQueries, c.Aligner.MaxPositions, c.Aligner.PositionOffset));
        Assert.Equal(32, c.ConnectorHeads);
        Assert.Equal(JsonSerializer.Serialize(KosmosGConfig.XL), JsonSerializer.Serialize(c));
    }

    [Fact]
    public void SaveThenLoadRoundTripsEveryValueAndUnknownKeys()
    {
        var original = KosmosGConfig.Load(KosmosGTinyCases.ConfigPath);
        var path = Path.GetTempFileName();
        try
        {
            original.Save(path);
            var again = KosmosGConfig.Load(path);
            Assert.Equal(JsonSerializer.Serialize(original), JsonSerializer.Serialize(again));
            Assert.Equal(original with { Vision = again.Vision, Aligner = again.Aligner, Connector = again.Connector, Extra = again.Extra }, again);
            Assert.Equal(original.Vision with { Mean = again.Vision.Mean, Std = again.Vision.Std, Extra = again.Vision.Extra }, again.Vision);
            Assert.Equal(original.Vision.Mean, again.Vision.Mean);
            Assert.Equal(original.Aligner with { Extra = again.Aligner.Extra }, again.Aligner);
            // keys the model does not use (special token ids, tokenizer facts) survive for the other components
            Assert.Equal(321, again.Extra!["special_token_ids"].GetProperty("<image>").GetInt32());
            Assert.Equal("../sd15-tiny/pipeline", again.Extra["sd_pipeline"].GetString());
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("""{"decoder_attention_heads": 5}""", "decoder_attention_heads")]
    [InlineData("""{"decoder_layers": "many"}""", "decoder_layers")]
    [InlineData("""{"image_token_length": 32}""", "image_token_length")]
    [InlineData("""{"vision": {"image_size": 100}}""", "vision.image_size")]
    [InlineData("""{"vision": {"heads": 7}}""", "vision.heads")]
    [InlineData("""{"aligner": {"heads": 5}}""", "aligner.heads")]
    [InlineData("""{"aligner": {"max_positions": 2}}""", "aligner.max_positions")]
    [InlineData("""{"connector": {"heads": 3}}""", "connector.heads")]
    [InlineData("""{"subln": false}""", "subln")]
    public void InvalidValuesFailNamingTheKey(string json, string key)
    {
        var e = Assert.Throws<InvalidDataException>(() => FromJson(json));
        Assert.Contains(key, e.Message);
    }
}
