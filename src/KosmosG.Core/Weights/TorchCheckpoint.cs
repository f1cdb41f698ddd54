using System.IO.Compression;
using System.IO.Hashing;
using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>
/// A checkpoint written by <c>torch.save</c> in the zip format (torch &gt;= 1.6), read without Python: the pickle
/// <c>&lt;archive&gt;/data.pkl</c> is unpickled by a safe VM (unknown classes become <see cref="PickleObject"/>
/// placeholders) and tensors become <see cref="TorchTensorRef"/>s whose storage bytes stay in the zip until read.
/// </summary>
public sealed partial class TorchCheckpoint : IDisposable
{
    readonly ZipArchive _zip;
    readonly string _prefix;
    readonly Dictionary<string, TorchStorageRef> _storages = [];

    public string Path { get; }

    /// <summary>The unpickled object: dicts are Dictionary&lt;object, object?&gt; (see <see cref="PickleReader"/> for the other values).</summary>
    public object? Root { get; }

    /// <summary>The top-level string keys when the root is a dict (e.g. args, cfg, model for fairseq).</summary>
    public IReadOnlyList<string> Keys => Root is Dictionary<object, object?> dict ? dict.Keys.OfType<string>().ToList() : [];

    TorchCheckpoint(string path)
    {
        Path = path;
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            try { _zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false); }
            catch (InvalidDataException e) { throw Error($"is not a readable zip archive ({e.Message}): the file is truncated or corrupt", e); }
            var pickle = _zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                ?? throw Error("has no <archive>/data.pkl entry: not a torch.save checkpoint");
            _prefix = pickle.FullName[..^"data.pkl".Length];
            CheckByteOrder();
            Root = PickleReader.Load(ReadEntry(pickle), $"{path}:{pickle.FullName}", Call, PersistentLoad);
        }
        catch
        {
            _zip?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public static TorchCheckpoint Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"torch checkpoint not found: {path}", path);
        return new TorchCheckpoint(path);
    }

    /// <summary>
    /// Reads a state dict into memory, from a torch zip checkpoint (its <paramref name="entry"/>, or the root for a
    /// plain <c>torch.save(state_dict)</c>) or a safetensors file (always the whole file). Tensors sharing a storage
    /// (tied weights) share memory in the result too.
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> ReadStateDict(string path, string entry = "model")
    {
        if (WeightsFormat.Detect(path) == WeightsFileKind.SafeTensors) return SafeTensorsFile.LoadAll(path);
        using var checkpoint = Open(path);
        return checkpoint.StateDict(entry).ReadAll();
    }

    /// <summary>
    /// The tensors of a state dict: the root's <paramref name="entry"/> dict, or the root itself when it is a plain
    /// state dict (every value a tensor) or <paramref name="entry"/> is empty. Non-tensor values are left out.
    /// </summary>
    public TorchStateDict StateDict(string entry = "model")
    {
        var root = Root as Dictionary<object, object?> ?? throw Error($"holds a {Root?.GetType().Name ?? "None"}, not a dict");
        Dictionary<object, object?> dict;
        if (string.IsNullOrEmpty(entry) || (!root.ContainsKey(entry) && root.Count > 0 && root.Values.All(v => v is TorchTensorRef)))
            dict = root;
        else if (root.TryGetValue(entry, out var value))
            dict = value as Dictionary<object, object?> ?? throw Error($"entry '{entry}' is a {value?.GetType().Name ?? "None"}, not a dict");
        else
            throw Error($"has no '{entry}' entry (top-level keys: {string.Join(", ", Keys)})");

        var tensors = new Dictionary<string, TorchTensorRef>();
        foreach (var (key, value) in dict)
        {
            if (value is TorchTensorRef tensor) tensors[key as string ?? throw Error($"state dict key {key} is not a string")] = tensor;
            else if (value is PickleObject { Type.Module: var module } unsupported && module.StartsWith("torch", StringComparison.Ordinal))
                throw Error($"'{key}' is a tensor kind this reader does not support ({unsupported.Type})");
        }
        return new TorchStateDict(this, tensors);
    }

    void CheckByteOrder()
    {
        // Written by torch >= 2.1; older files are little-endian.
        var entry = _zip.GetEntry(_prefix + "byteorder");
        if (entry is null) return;
        var order = System.Text.Encoding.ASCII.GetString(ReadEntry(entry)).Trim();
        if (order != "little") throw Error($"stores tensors in '{order}' byte order; only little-endian is supported");
    }

    ZipArchiveEntry StorageEntry(TorchStorageRef storage)
    {
        if (storage.DType is null) throw Error($"storage {storage.Key} has type {storage.TypeName}, which is not supported");
        var entry = _zip.GetEntry($"{_prefix}data/{storage.Key}") ?? throw Error($"has no entry {_prefix}data/{storage.Key} for a storage the pickle uses");
        var expected = storage.NumElements * SafeTensorDTypes.ElementSize(storage.DType.Value);
        if (entry.Length != expected)
            throw Error($"entry {entry.FullName} holds {entry.Length} bytes but storage {storage.TypeName}[{storage.NumElements}] needs {expected}");
        return entry;
    }

    /// <summary>A new 1-D CPU tensor holding a storage's elements.</summary>
    internal Tensor ReadStorage(TorchStorageRef storage)
    {
        var tensor = empty(storage.NumElements, storage.DType ?? ScalarType.Byte);
        try { ReadStorageInto(storage, tensor); }
        catch { tensor.Dispose(); throw; }
        return tensor;
    }

    /// <summary>Streams a storage's bytes straight into a contiguous CPU tensor of its dtype and size.</summary>
    internal void ReadStorageInto(TorchStorageRef storage, Tensor destination) =>
        ReadEntry(StorageEntry(storage), read => TensorBytes.ForEachChunk(destination, read));

    byte[] ReadEntry(ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength) throw Error($"entry {entry.FullName} is too large ({entry.Length} bytes)");
        var bytes = new byte[entry.Length];
        ReadEntry(entry, read => read(bytes, 0));
        return bytes;
    }

    /// <summary>
    /// Reads a whole entry through <paramref name="fill"/>'s chunks and checks its CRC-32, as torch does
    /// (System.IO.Compression before .NET 11 does not, so flipped bytes would otherwise load silently).
    /// </summary>
    void ReadEntry(ZipArchiveEntry entry, Action<TensorByteChunk> fill)
    {
        var crc = new Crc32();
        try
        {
            using var stream = entry.Open();
            fill((chunk, _) =>
            {
                stream.ReadExactly(chunk);
                crc.Append(chunk);
            });
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw Error($"entry {entry.FullName} cannot be read ({e.Message}): the file is corrupt", e);
        }
        if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
            throw Error($"entry {entry.FullName} fails its CRC-32 check: the file is corrupt");
    }

    internal InvalidDataException Error(string message, Exception? inner = null) => new($"torch checkpoint '{Path}' {message}", inner);

    public void Dispose() => _zip.Dispose();
}
