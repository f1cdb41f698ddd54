using System.Buffers.Binary;
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
public sealed unsafe class SafeTensorsFile : IStateDictSource, IDisposable
{
    // The reference implementation refuses headers over 100 MB; a larger one is a corrupt length field.
    const long MaxHeaderBytes = 100L * 1024 * 1024;

    readonly MemoryMappedFile? _map;
    readonly MemoryMappedViewAccessor? _view;
    readonly byte* _base;
    readonly byte* _data;
    bool _disposed;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    SafeTensorsFile(string path)
    {
        Path = path;
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var length = stream.Length;
        if (length < 8)
        {
            stream.Dispose();
            throw Error($"file is {length} bytes, shorter than the 8-byte header length: the file is truncated");
        }
        _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePtr = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            _base = basePtr;
            basePtr += _view.PointerOffset;
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(basePtr, 8));
            if (headerLength == 0) throw Error("header length is 0: no header");
            if (headerLength > MaxHeaderBytes)
                throw Error($"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit: not a safetensors file or corrupt");
            if (8 + (long)headerLength > length)
                throw Error($"header length {headerLength} runs past the end of the file ({length} bytes): the file is truncated");
            var dataStart = 8 + (long)headerLength;
            _data = basePtr + dataStart;
            (Tensors, Metadata) = ParseHeader(new ReadOnlySpan<byte>(basePtr + 8, (int)headerLength), length - dataStart);
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

    string IStateDictSource.SourceName => Path;
    IEnumerable<string> IStateDictSource.Keys => Tensors.Keys;
    long[] IStateDictSource.ShapeOf(string key) => Info(key).Shape;

    public bool Contains(string name) => Tensors.ContainsKey(name);

    public SafeTensorInfo Info(string name) =>
        Tensors.TryGetValue(name, out var info) ? info : throw Error($"has no tensor '{name}'");

    /// <summary>A new CPU tensor holding a copy of the stored values, in the stored dtype.</summary>
    public Tensor Read(string name) => Read(name, TensorBytes.DefaultChunkBytes);

    /// <summary>Copies a stored tensor into an existing one, converting dtype and device as needed.</summary>
    public void CopyTo(string name, Tensor destination) => CopyTo(name, destination, TensorBytes.DefaultChunkBytes);

    /// <param name="chunkBytes">Largest single copy (spans are int-sized); tests shrink it to exercise chunking.</param>
    internal Tensor Read(string name, long chunkBytes)
    {
        var info = Info(name);
        var tensor = empty(info.Shape, SafeTensorDTypes.ToScalarType(info.DType));
        CopyBytes(info, tensor, chunkBytes);
        return tensor;
    }

    internal void CopyTo(string name, Tensor destination, long chunkBytes)
    {
        var info = Info(name);
        if (!info.Shape.SequenceEqual(destination.shape))
            throw Error($"tensor '{name}' has shape [{string.Join(",", info.Shape)}], expected [{string.Join(",", destination.shape)}]");
        using var _ = no_grad();
        var storedType = SafeTensorDTypes.ToScalarType(info.DType);
        if (storedType == destination.dtype && destination.device_type == DeviceType.CPU && destination.is_contiguous())
        {
            CopyBytes(info, destination, chunkBytes);
            return;
        }
        // Conversion goes through one staging tensor per tensor, never the whole file.
        using var staging = Read(name, chunkBytes);
        destination.copy_(staging);
    }

    void CopyBytes(SafeTensorInfo info, Tensor destination, long chunkBytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var source = (nint)(_data + info.Begin);
        TensorBytes.ForEachChunk(destination,
            (chunk, offset) => new ReadOnlySpan<byte>((byte*)source + offset, chunk.Length).CopyTo(chunk), chunkBytes);
    }

    (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(ReadOnlySpan<byte> header, long dataLength)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header.ToArray()); }
        catch (JsonException e) { throw Error($"header is not valid JSON ({e.Message})", e); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Error("header is not a JSON object");

        var tensors = new Dictionary<string, SafeTensorInfo>();
        var metadata = new Dictionary<string, string>();
        var seen = new HashSet<string>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (!seen.Add(prop.Name)) throw Error($"header lists '{prop.Name}' twice");
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
        foreach (var info in tensors.Values.Where(t => t.ByteLength > 0).OrderBy(t => t.Begin))
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
        if (!SafeTensorDTypes.IsKnown(dtype))
            throw Error($"tensor '{name}' has unsupported dtype '{dtype}' (supported: {string.Join(", ", SafeTensorDTypes.Names)})");
        if (!entry.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw Error($"tensor '{name}' has no shape");
        var shape = shapeEl.EnumerateArray().Select(d => NonNegative(d) ?? throw Error($"tensor '{name}' has an invalid dimension {d.GetRawText()}")).ToArray();
        if (!entry.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw Error($"tensor '{name}' has no data_offsets [begin, end]");
        if (NonNegative(offEl[0]) is not { } begin || NonNegative(offEl[1]) is not { } end || end < begin)
            throw Error($"tensor '{name}' has invalid data_offsets [{offEl[0].GetRawText()}, {offEl[1].GetRawText()}]");
        if (end > dataLength)
            throw Error($"tensor '{name}' data_offsets [{begin}, {end}] run past the end of the data ({dataLength} bytes): the file is truncated or corrupt");
        long expected;
        try { expected = checked(shape.Aggregate(1L, (n, d) => checked(n * d)) * SafeTensorDTypes.ElementSize(dtype)); }
        catch (OverflowException) { throw Error($"tensor '{name}' shape [{string.Join(",", shape)}] is too large"); }
        if (expected != end - begin)
            throw Error($"tensor '{name}' holds {end - begin} bytes but dtype {dtype} and shape [{string.Join(",", shape)}] need {expected}");
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    static long? NonNegative(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) && v >= 0 ? v : null;

    InvalidDataException Error(string message, Exception? inner = null) => new($"safetensors file '{Path}': {message}", inner);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null)
        {
            if (_base != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
