using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Weights;

public sealed class StateDictLoaderTests : IDisposable
{
    readonly string _path = Path.Combine(Path.GetTempPath(), $"state-{Guid.NewGuid():N}.safetensors");

    public void Dispose() => File.Delete(_path);

    static Dictionary<string, Tensor> Weights(ScalarType dtype = ScalarType.Float32, string prefix = "") => new()
    {
        [prefix + "proj.weight"] = (arange(6, dtype: ScalarType.Float32).reshape(2, 3) / 4).to(dtype),
        [prefix + "proj.bias"] = tensor(new[] { 0.5f, -1.5f }).to(dtype),
        [prefix + "blocks.0.weight"] = tensor(new[] { 1f, 2f, 3f, 4f }).reshape(2, 2).to(dtype),
        [prefix + "scale"] = tensor(new[] { 3f, 0.25f }).to(dtype),
    };

    [Fact]
    public void LoadsParametersAndPersistentBuffers()
    {
        SafeTensorsWriter.Save(_path, Weights());
        var net = new TinyNet();
        var report = StateDictLoader.Load(net, _path);
        Assert.True(report.IsClean);
        Assert.Equal(4, report.Loaded);
        var state = net.state_dict();
        foreach (var (key, expected) in Weights()) Assert.True(expected.Equals(state[key]), key);
    }

    [Fact]
    public void StrictLoadListsMissingUnexpectedAndWrongShapeKeys()
    {
        var weights = Weights();
        weights.Remove("scale");
        weights["proj.weight"] = zeros(3, 3);
        weights["extra.weight"] = zeros(1);
        SafeTensorsWriter.Save(_path, weights);

        var e = Assert.Throws<InvalidDataException>(() => StateDictLoader.Load(new TinyNet(), _path));
        Assert.Contains(_path, e.Message);
        Assert.Contains("missing (1): scale", e.Message);
        Assert.Contains("unexpected (1): extra.weight", e.Message);
        Assert.Contains("wrong shape (1): proj.weight [3,3] expected [2,3]", e.Message);

        using var file = SafeTensorsFile.Open(_path);
        var report = StateDictLoader.Load(new TinyNet(), file, strict: false);
        Assert.Equal(["scale"], report.Missing);
        Assert.Equal(["extra.weight"], report.Unexpected);
        Assert.Single(report.WrongShape);
        Assert.Equal(2, report.Loaded);
    }

    [Fact]
    public void HalfFileLoadsIntoFloatModule()
    {
        SafeTensorsWriter.Save(_path, Weights(ScalarType.Float16));
        var net = new TinyNet();
        StateDictLoader.Load(net, _path);
        Assert.Equal(ScalarType.Float32, net.proj.weight!.dtype);
        // Every value is exact in fp16, so widening is exact.
        foreach (var (key, expected) in Weights()) Assert.True(expected.Equals(net.state_dict()[key]), key);
    }

    [Fact]
    public void FloatFileLoadsIntoHalfAndBFloat16Modules()
    {
        var weights = Weights();
        weights["proj.bias"] = tensor(new[] { 0.1f, 1e-3f }); // not exact in fp16/bf16: rounded like .to()
        SafeTensorsWriter.Save(_path, weights);
        foreach (var dtype in new[] { ScalarType.Float16, ScalarType.BFloat16 })
        {
            var net = new TinyNet(dtype);
            StateDictLoader.Load(net, _path);
            foreach (var (key, expected) in weights) Assert.True(expected.to(dtype).Equals(net.state_dict()[key]), $"{dtype} {key}");
        }
    }

    [Fact]
    public void PrefixIgnoreAndRenameSelectAndMapKeys()
    {
        var weights = Weights(prefix: "model.net.");
        weights["model.net.old_blocks.0.weight"] = weights["model.net.blocks.0.weight"];
        weights.Remove("model.net.blocks.0.weight");
        weights["model.net.unused.bias"] = zeros(1);
        weights["other.proj.weight"] = zeros(7); // outside the prefix: neither loaded nor unexpected
        SafeTensorsWriter.Save(_path, weights);

        var net = new TinyNet();
        var report = StateDictLoader.Load(net, _path, prefix: "model.net.",
            ignore: k => k.StartsWith("unused.", StringComparison.Ordinal),
            rename: k => k.Replace("old_blocks.", "blocks."));
        Assert.True(report.IsClean);
        Assert.Equal(4, report.Loaded);
        Assert.True(weights["model.net.old_blocks.0.weight"].Equals(net.blocks[0].weight!));

        var e = Assert.Throws<ArgumentException>(() => StateDictLoader.Load(new TinyNet(), _path, prefix: "model.net.", rename: _ => "scale"));
        Assert.Contains("both map to 'scale'", e.Message);
    }
}
