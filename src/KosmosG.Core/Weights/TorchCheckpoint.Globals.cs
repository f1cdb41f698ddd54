using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>What the pickle VM builds for the few globals a torch checkpoint needs; everything else stays a placeholder.</summary>
public sealed partial class TorchCheckpoint
{
    static readonly Dictionary<string, ScalarType> StorageTypes = new()
    {
        ["DoubleStorage"] = ScalarType.Float64,
        ["FloatStorage"] = ScalarType.Float32,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
        ["UntypedStorage"] = ScalarType.Byte,
    };

    object? Call(PickleGlobal function, object?[] args) => (function.Module, function.Name) switch
    {
        ("collections", "OrderedDict") or ("builtins", "dict") => NewDict(args),
        ("torch._utils", "_rebuild_tensor_v2") or ("torch._utils", "_rebuild_tensor") => RebuildTensor(args),
        // nn.Parameter: the data tensor is all a state dict needs.
        ("torch._utils", "_rebuild_parameter") or ("torch._utils", "_rebuild_parameter_with_state") => Arg(args, 0, function),
        // Tensor subclasses: rebuild with the inner function, drop the Python type.
        ("torch._tensor", "_rebuild_from_type_v2") when Arg(args, 0, function) is PickleGlobal inner && Arg(args, 2, function) is object?[] innerArgs
            => Call(inner, innerArgs),
        // Protocol 2 stores bytes as _codecs.encode(text, "latin1").
        ("_codecs", "encode") when args is [string text, "latin1" or "latin-1"] => text.Select(c => (byte)c).ToArray(),
        _ => new PickleObject(function, args),
    };

    static Dictionary<object, object?> NewDict(object?[] args)
    {
        var dict = new Dictionary<object, object?>();
        if (args is [List<object?> pairs])
            foreach (var pair in pairs)
                if (pair is object?[] { Length: 2 } kv) dict[kv[0] ?? PickleReader.NoneKey] = kv[1];
        return dict;
    }

    object? Arg(object?[] args, int index, PickleGlobal function) =>
        index < args.Length ? args[index] : throw Error($"calls {function} with {args.Length} arguments");

    TorchTensorRef RebuildTensor(object?[] args)
    {
        if (args is not [TorchStorageRef storage, long offset, object?[] size, object?[] stride, ..])
            throw Error("has a _rebuild_tensor call without (storage, offset, size, stride) arguments");
        return new TorchTensorRef(this, storage, offset, Longs(size), Longs(stride));
    }

    long[] Longs(object?[] values) => values.Select(v => v as long? ?? throw Error($"has a tensor size or stride that is not an integer ({v})")).ToArray();

    /// <summary>torch's persistent id: ("storage", storage class, key, location, number of elements).</summary>
    object PersistentLoad(object? pid)
    {
        if (pid is not object?[] tuple || tuple is not ["storage", PickleGlobal type, string key, _, long numel])
            throw Error("has a persistent id that is not a ('storage', type, key, location, size) tuple");
        if (_storages.TryGetValue(key, out var known)) return known;
        var storage = new TorchStorageRef(key, type.ToString(), StorageTypes.TryGetValue(type.Name, out var dtype) ? dtype : null, numel);
        _storages[key] = storage;
        return storage;
    }
}
