using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>A span over one chunk of a tensor's bytes and that chunk's byte offset within the tensor.</summary>
internal delegate void TensorByteChunk(Span<byte> chunk, long byteOffset);

/// <summary>
/// Walks the bytes of a contiguous CPU tensor in spans. <c>Tensor.bytes</c> is one span, and a span is limited to
/// int.MaxValue bytes, so tensors over 2 GiB must be visited through narrowed 1-D views, one chunk at a time.
/// </summary>
internal static class TensorBytes
{
    internal const long DefaultChunkBytes = 1L << 30;

    internal static void ForEachChunk(Tensor tensor, TensorByteChunk visit, long chunkBytes = DefaultChunkBytes)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
            throw new ArgumentException("expected a contiguous CPU tensor", nameof(tensor));
        var count = tensor.numel();
        if (count == 0) return;
        var elementSize = tensor.ElementSize;
        var chunkElements = Math.Max(1, Math.Min(chunkBytes, int.MaxValue) / elementSize);
        using var flat = tensor.view(-1);
        for (long start = 0; start < count; start += chunkElements)
        {
            using var part = flat.narrow(0, start, Math.Min(chunkElements, count - start));
            visit(part.bytes, start * elementSize);
        }
    }
}
