using System.Buffers.Binary;
using System.Text;
using KosmosG.Weights;

namespace KosmosG.Tests.Weights;

/// <summary>Each malformed safetensors file is rejected up front with an InvalidDataException naming the file and the fault.</summary>
public sealed class SafeTensorsMalformedTests : IDisposable
{
    readonly string _path = Path.Combine(Path.GetTempPath(), $"malformed-{Guid.NewGuid():N}.safetensors");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void FileShorterThanTheLengthField() =>
        AssertRejected([1, 0, 0], "shorter than the 8-byte header length");

    [Fact]
    public void HeaderLengthPastTheEnd() =>
        AssertRejected(Bytes(Encoding.UTF8.GetBytes("{}"), 0, headerLength: 500), "runs past the end of the file");

    [Fact]
    public void HeaderLengthZero() =>
        AssertRejected(Bytes([], 0, headerLength: 0), "header length is 0");

    [Fact]
    public void HeaderLengthAbsurd() =>
        AssertRejected(Bytes(Encoding.UTF8.GetBytes("{}"), 0, headerLength: long.MaxValue), "exceeds the");

    [Fact]
    public void HeaderNotJson() =>
        AssertRejected(Header("{\"a\": {\"dtype\": \"F32\", ", 0), "header is not valid JSON");

    [Fact]
    public void HeaderNotAnObject() =>
        AssertRejected(Header("[1, 2]", 0), "header is not a JSON object");

    [Fact]
    public void UnknownDType() =>
        AssertRejected(Header("""{"a": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}""", 2), "unsupported dtype 'F8_E4M3'");

    [Fact]
    public void MissingDType() =>
        AssertRejected(Header("""{"a": {"shape": [2], "data_offsets": [0, 8]}}""", 8), "tensor 'a' has no dtype");

    [Fact]
    public void ByteCountNotMatchingShape() =>
        AssertRejected(Header("""{"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}""", 24), "holds 20 bytes but dtype F32 and shape [2,3] need 24");

    [Fact]
    public void OffsetsPastTheData() =>
        AssertRejected(Header("""{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}""", 12), "run past the end of the data (12 bytes)");

    [Fact]
    public void OffsetsReversed() =>
        AssertRejected(Header("""{"a": {"dtype": "U8", "shape": [0], "data_offsets": [8, 4]}}""", 8), "invalid data_offsets [8, 4]");

    [Fact]
    public void OffsetsNegative() =>
        AssertRejected(Header("""{"a": {"dtype": "U8", "shape": [4], "data_offsets": [-4, 0]}}""", 8), "invalid data_offsets");

    [Fact]
    public void OverlappingOffsets() =>
        AssertRejected(Header("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12),
            "tensors 'a' and 'b' overlap");

    [Fact]
    public void InvalidDimension() =>
        AssertRejected(Header("""{"a": {"dtype": "F32", "shape": [2, "x"], "data_offsets": [0, 8]}}""", 8), "invalid dimension \"x\"");

    [Fact]
    public void ShapeOverflow() =>
        AssertRejected(Header("""{"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}}""", 8), "is too large");

    [Fact]
    public void DuplicateKey() =>
        AssertRejected(Header("""{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}""", 2),
            "lists 'a' twice");

    [Fact]
    public void MetadataNotAnObject() =>
        AssertRejected(Header("""{"__metadata__": "x"}""", 0), "__metadata__ is not an object");

    [Fact]
    public void UnknownTensorNameIsNamed()
    {
        File.WriteAllBytes(_path, Header("""{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}""", 1));
        using var file = SafeTensorsFile.Open(_path);
        var e = Assert.Throws<InvalidDataException>(() => file.Read("b"));
        Assert.Contains(_path, e.Message);
        Assert.Contains("has no tensor 'b'", e.Message);
    }

    [Fact]
    public void MissingFileIsNamed() =>
        Assert.Contains(_path, Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Open(_path)).Message);

    void AssertRejected(byte[] bytes, string fault)
    {
        File.WriteAllBytes(_path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(_path).Dispose());
        Assert.Contains(_path, e.Message);
        Assert.Contains(fault, e.Message);
    }

    static byte[] Header(string json, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(json);
        return Bytes(header, dataBytes, header.Length);
    }

    static byte[] Bytes(byte[] header, int dataBytes, long headerLength)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, headerLength);
        header.CopyTo(bytes, 8);
        return bytes;
    }
}
