using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>The tensors of one state dict inside a <see cref="TorchCheckpoint"/>, read on demand.</summary>
public sealed class TorchStateDict : IStateDictSource
{
    readonly TorchCheckpoint _checkpoint;

    internal TorchStateDict(TorchCheckpoint checkpoint, IReadOnlyDictionary<string, TorchTensorRef> tensors)
    {
        _checkpoint = checkpoint;
        Tensors = tensors;
    }

    public IReadOnlyDictionary<string, TorchTensorRef> Tensors { get; }

    public string SourceName => _checkpoint.Path;
    public IEnumerable<string> Keys => Tensors.Keys;
    public long[] ShapeOf(string key) => Get(key).Shape;
    public void CopyTo(string key, Tensor destination) => Get(key).CopyTo(destination);

    /// <summary>Every tensor in memory; each storage is read once, so tensors sharing one also share memory.</summary>
    public Dictionary<string, Tensor> ReadAll()
    {
        var storages = new Dictionary<TorchStorageRef, Tensor>();
        try
        {
            return Tensors.ToDictionary(kv => kv.Key, kv =>
            {
                if (!storages.TryGetValue(kv.Value.Storage, out var storage))
                    storages[kv.Value.Storage] = storage = _checkpoint.ReadStorage(kv.Value.Storage);
                return kv.Value.ViewOf(storage);
            });
        }
        finally
        {
            // The views keep the storages alive; only these handles go.
            foreach (var storage in storages.Values) storage.Dispose();
        }
    }

    TorchTensorRef Get(string key) =>
        Tensors.TryGetValue(key, out var tensor) ? tensor : throw _checkpoint.Error($"state dict has no tensor '{key}'");
}
