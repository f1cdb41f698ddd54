using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>
/// A tensor of a torch checkpoint, not yet read: a strided view (offset, shape, stride in elements) of a storage.
/// Tensors that share a storage (tied weights) point to the same <see cref="TorchStorageRef"/>.
/// </summary>
public sealed class TorchTensorRef
{
    readonly TorchCheckpoint _owner;

    internal TorchTensorRef(TorchCheckpoint owner, TorchStorageRef storage, long offset, long[] shape, long[] stride)
    {
        _owner = owner;
        Storage = storage;
        Offset = offset;
        Shape = shape;
        Stride = stride;
        if (offset < 0 || shape.Any(d => d < 0) || stride.Any(s => s < 0) || shape.Length != stride.Length)
            throw _owner.Error($"tensor on storage {storage.Key} has an invalid view (offset {offset}, size [{string.Join(",", shape)}], stride [{string.Join(",", stride)}])");
        // The last element the view touches must lie inside the storage.
        var last = shape.Any(d => d == 0) ? -1 : offset + shape.Zip(stride, (d, s) => (d - 1) * s).Sum();
        if (last >= storage.NumElements)
            throw _owner.Error($"tensor view (offset {offset}, size [{string.Join(",", shape)}], stride [{string.Join(",", stride)}]) reaches past the {storage.NumElements} elements of storage {storage.Key}");
    }

    public TorchStorageRef Storage { get; }
    public long Offset { get; }
    public long[] Shape { get; }
    public long[] Stride { get; }

    /// <summary>True when the view is the whole storage in row-major order, so its bytes are the entry's bytes.</summary>
    internal bool CoversStorage
    {
        get
        {
            if (Offset != 0 || Shape.Aggregate(1L, (n, d) => n * d) != Storage.NumElements) return false;
            long expected = 1;
            for (var i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Stride[i] != expected) return false;
                expected *= Shape[i];
            }
            return true;
        }
    }

    /// <summary>This view over an already read storage tensor (shares its memory).</summary>
    internal Tensor ViewOf(Tensor storage) => storage.as_strided(Shape, Stride, Offset);

    /// <summary>A new CPU tensor with this tensor's values (reads the storage).</summary>
    public Tensor Read()
    {
        using var storage = _owner.ReadStorage(Storage);
        using var view = ViewOf(storage);
        return view.contiguous();
    }

    /// <summary>Copies the values into an existing tensor of the same shape, converting dtype and device.</summary>
    public void CopyTo(Tensor destination)
    {
        if (!Shape.SequenceEqual(destination.shape))
            throw _owner.Error($"tensor on storage {Storage.Key} has shape [{string.Join(",", Shape)}], expected [{string.Join(",", destination.shape)}]");
        using var _ = no_grad();
        if (CoversStorage && Storage.DType == destination.dtype && destination.device_type == DeviceType.CPU && destination.is_contiguous())
        {
            _owner.ReadStorageInto(Storage, destination);
            return;
        }
        using var staging = Read();
        destination.copy_(staging);
    }
}
