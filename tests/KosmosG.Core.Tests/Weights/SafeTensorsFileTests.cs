using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Weights;

public class SafeTensorsFileTests
{
    [Fact]
    public void ReadsFixtureTensorsWithTheirDtypes()
    {
        var tensors = Fixtures.Sd15Case("tokenizer");
        Assert.Equal(ScalarType.Int64, tensors["input_ids"].dtype);
        Assert.Equal(new long[] { 10, 77 }, tensors["input_ids"].shape);
        // Row 4 is the empty prompt: <|startoftext|> then <|endoftext|> padding (ids 763, 764).
        Assert.Equal(763, tensors["input_ids"][4, 0].item<long>());
        Assert.Equal(764, tensors["input_ids"][4, 1].item<long>());
    }

    [Fact]
    public void RoundTripsThroughTheWriter()
    {
        var path = Path.GetTempFileName();
        try
        {
            var source = new Dictionary<string, Tensor>
            {
                ["a"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3),
                ["b"] = tensor(new long[] { 1, -2, 3 }),
                ["c"] = ones(4, dtype: ScalarType.BFloat16),
                ["d"] = full(3, 0.5, dtype: ScalarType.Float16),
            };
            SafeTensorsWriter.Save(path, source, new Dictionary<string, string> { ["format"] = "pt" });
            using var file = SafeTensorsFile.Open(path);
            Assert.Equal("pt", file.Metadata["format"]);
            foreach (var (name, expected) in source)
                Assert.True(expected.to(ScalarType.Float64).allclose(file.Read(name).to(ScalarType.Float64)), name);
        }
        finally { File.Delete(path); }
    }
}
