using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>
/// A memory-mapped safetensors file. Tensors are copied straight from the mapping into their
/// destination, so loading a multi-GB checkpoint never holds a second full copy in memory.
/// The header is validated up front; every error names the file.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    const long MaxHeaderBytes = 100L * 1024 * 1024;

    readonly MemoryMappedFile? _map;
    readonly MemoryMappedViewAccessor? _view;
    readonly byte* _data;
    readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    SafeTensorsFile(string path)
    {
        Path = path;
        var length = new FileInfo(path).Length;
        if (length < 8) throw Error($"file is {length} bytes, shorter than the 8-byte header length");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePtr = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            basePtr += _view.PointerOffset;
            var headerLength = *(long*)basePtr;
            if (headerLength <= 0 || headerLength > MaxHeaderBytes)
                throw Error($"header length {headerLength} is not valid");
            if (8 + headerLength > length)
                throw Error($"header length {headerLength} runs past the end of the file ({length} bytes): the file is truncated");
            _dataStart = 8 + headerLength;
            _data = basePtr + _dataStart;
            (Tensors, Metadata) = ParseHeader(new ReadOnlySpan<byte>(basePtr + 8, (int)headerLength), length - _dataStart);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        return new SafeTensorsFile(path);
    }

    /// <summary>Reads every tensor of a small file into memory (fixtures, tests, tools).</summary>
    public static Dictionary<string, Tensor> LoadAll(string path)
    {
        using var file = Open(path);
        return file.Tensors.Keys.ToDictionary(k => k, k => file.Read(k));
    }

    public bool Contains(string name) => Tensors.ContainsKey(name);

    public SafeTensorInfo Info(string name) =>
        Tensors.TryGetValue(name, out var info) ? info : throw Error($"has no tensor '{name}'");

    /// <summary>A new CPU tensor holding a copy of the stored values, in the stored dtype.</summary>
    public Tensor Read(string name)
    {
        var info = Info(name);
        var tensor = empty(info.Shape, SafeTensorDTypes.ToScalarType(info.DType));
        CopyBytes(info, tensor);
        return tensor;
    }

    /// <summary>Copies a stored tensor into an existing one, converting dtype and device as needed.</summary>
    public void CopyTo(string name, Tensor destination)
    {
        var info = Info(name);
        if (!info.Shape.SequenceEqual(destination.shape))
            throw Error($"tensor '{name}' has shape [{string.Join(",", info.Shape)}], expected [{string.Join(",", destination.shape)}]");
        using var _ = no_grad();
        var storedType = SafeTensorDTypes.ToScalarType(info.DType);
        if (storedType == destination.dtype && destination.device_type == DeviceType.CPU && destination.is_contiguous())
        {
            CopyBytes(info, destination);
            return;
        }
        using var staging = Read(name);
        destination.copy_(staging);
    }

    void CopyBytes(SafeTensorInfo info, Tensor destination)
    {
        if (info.ByteLength == 0) return;
        // Tensor.bytes is a span over the CPU storage; a span is limited to 2 GiB, larger tensors would need chunking.
        new ReadOnlySpan<byte>(_data + info.Begin, checked((int)info.ByteLength)).CopyTo(destination.bytes);
    }

    (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(ReadOnlySpan<byte> header, long dataLength)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header.ToArray()); }
        catch (JsonException e) { throw Error($"header is not valid JSON ({e.Message})"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Error("header is not a JSON object");

        var tensors = new Dictionary<string, SafeTensorInfo>();
        var metadata = new Dictionary<string, string>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw Error("__metadata__ is not an object");
                foreach (var m in prop.Value.EnumerateObject())
                    metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                continue;
            }
            tensors[prop.Name] = ParseEntry(prop.Name, prop.Value, dataLength);
        }

        // Offsets must not overlap: sort by start and check each against its predecessor.
        SafeTensorInfo? previous = null;
        foreach (var info in tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (previous is not null && info.Begin < previous.End)
                throw Error($"tensors '{previous.Name}' and '{info.Name}' overlap (bytes {previous.Begin}-{previous.End} and {info.Begin}-{info.End})");
            previous = info;
        }
        return (tensors, metadata);
    }

    SafeTensorInfo ParseEntry(string name, JsonElement entry, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw Error($"entry '{name}' is not an object");
        if (!entry.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw Error($"tensor '{name}' has no dtype");
        var dtype = dtypeEl.GetString()!;
        if (!SafeTensorDTypes.IsKnown(dtype)) throw Error($"tensor '{name}' has unknown dtype '{dtype}'");
        if (!entry.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw Error($"tensor '{name}' has no shape");
        var shape = shapeEl.EnumerateArray().Select(d => d.TryGetInt64(out var v) && v >= 0 ? v : throw Error($"tensor '{name}' has an invalid dimension {d}")).ToArray();
        if (!entry.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw Error($"tensor '{name}' has no data_offsets [begin, end]");
        if (!offEl[0].TryGetInt64(out var begin) || !offEl[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw Error($"tensor '{name}' has invalid data_offsets [{offEl[0]}, {offEl[1]}]");
        if (end > dataLength)
            throw Error($"tensor '{name}' data_offsets [{begin}, {end}] run past the end of the data ({dataLength} bytes): the file is truncated or corrupt");
        long elements = 1;
        foreach (var d in shape) elements = checked(elements * d);
        var expected = checked(elements * SafeTensorDTypes.ElementSize(dtype));
        if (expected != end - begin)
            throw Error($"tensor '{name}' holds {end - begin} bytes but dtype {dtype} and shape [{string.Join(",", shape)}] need {expected}");
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    InvalidDataException Error(string message) => new($"safetensors file '{Path}': {message}");

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
