using System.Buffers.Binary;
using System.Text.Json;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Weights;

public sealed class SafeTensorsFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string TempFile => Path.Combine(_dir, "t.safetensors");

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

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void RoundTripsEveryDtypeBitForBit(ScalarType dtype)
    {
        var values = (arange(24, dtype: ScalarType.Float64) * 1.37 - 11).reshape(2, 3, 4);
        var source = new Dictionary<string, Tensor>
        {
            ["values"] = dtype == ScalarType.Bool ? values > 0 : values.to(dtype),
            ["scalar"] = ones([], dtype: dtype),
            ["empty"] = zeros([0, 3], dtype: dtype),
        };
        SafeTensorsWriter.Save(TempFile, source);
        using var file = SafeTensorsFile.Open(TempFile);
        Assert.Equal(SafeTensorDTypes.ToName(dtype), file.Info("values").DType);
        foreach (var (name, expected) in source)
        {
            var actual = file.Read(name);
            Assert.Equal(dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.bytes.SequenceEqual(actual.bytes), name);
        }
    }

    [Fact]
    public void WriterPadsTheHeaderTo8BytesAndKeepsMetadata()
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é + \"quoted\"" };
        SafeTensorsWriter.Save(TempFile, [new("a", ones(3, ScalarType.Float32))], metadata);
        var bytes = File.ReadAllBytes(TempFile);
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 12, bytes.Length); // 3 float32
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        Assert.Equal("pt", doc.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        using var file = SafeTensorsFile.Open(TempFile);
        Assert.Equal(metadata, file.Metadata);
    }

    [Fact]
    public void WriterReplacesAtomicallyAndLeavesNoTemporaryFile()
    {
        SafeTensorsWriter.Save(TempFile, [new("old", ones(2))]);
        // A failing save (complex numbers have no safetensors dtype) leaves the previous file intact.
        Assert.Throws<NotSupportedException>(() => SafeTensorsWriter.Save(TempFile, [new("new", ones(2, dtype: ScalarType.ComplexFloat32))]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Save(TempFile, [new("x", ones(1)), new("x", ones(1))]));
        using (var file = SafeTensorsFile.Open(TempFile)) Assert.Equal(["old"], file.Tensors.Keys);

        SafeTensorsWriter.Save(TempFile, [new("new", ones(2))]);
        using (var file = SafeTensorsFile.Open(TempFile)) Assert.Equal(["new"], file.Tensors.Keys);
        Assert.Equal([TempFile], Directory.GetFiles(_dir));
    }

    [Fact]
    public void WriterStoresNonContiguousTensorsInLogicalOrder()
    {
        var transposed = arange(6, dtype: ScalarType.Float32).reshape(2, 3).t();
        SafeTensorsWriter.Save(TempFile, [new("t", transposed)]);
        using var file = SafeTensorsFile.Open(TempFile);
        Assert.True(transposed.Equals(file.Read("t")));
    }

    [Fact]
    public void ChunkedCopiesMatchSingleCopies()
    {
        // Tensors over 2 GiB are copied in chunks; tiny chunks (also not a multiple of the element size) take the same path.
        var source = randn(5, 7);
        SafeTensorsWriter.Save(TempFile, [new("x", source)]);
        using var file = SafeTensorsFile.Open(TempFile);
        Assert.True(source.Equals(file.Read("x", chunkBytes: 12)));
        Assert.True(source.Equals(file.Read("x", chunkBytes: 6)));
        var destination = zeros(5, 7);
        file.CopyTo("x", destination, chunkBytes: 20);
        Assert.True(source.Equals(destination));
    }

    [Fact]
    public void CopyToConvertsDtypeAndRejectsWrongShapes()
    {
        var source = randn(4, 4);
        SafeTensorsWriter.Save(TempFile, [new("x", source)]);
        using var file = SafeTensorsFile.Open(TempFile);
        var half = zeros(4, 4, dtype: ScalarType.Float16);
        file.CopyTo("x", half);
        Assert.True(source.to(ScalarType.Float16).Equals(half));
        var strided = zeros(4, 4).t();
        file.CopyTo("x", strided);
        Assert.True(source.Equals(strided));
        var e = Assert.Throws<InvalidDataException>(() => file.CopyTo("x", zeros(4, 5)));
        Assert.Contains("shape [4,4], expected [4,5]", e.Message);
    }

    [Fact]
    public void ReadAfterDisposeIsRefused()
    {
        SafeTensorsWriter.Save(TempFile, [new("x", ones(1))]);
        var file = SafeTensorsFile.Open(TempFile);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Read("x"));
    }
}
