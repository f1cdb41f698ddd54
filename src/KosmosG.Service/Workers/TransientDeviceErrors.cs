using System.Runtime.InteropServices;

namespace KosmosG.Service.Workers;

/// <summary>
/// Which failures are worth one more try after freeing memory: libtorch reports device allocation failures as
/// <see cref="ExternalException"/> (TorchSharp's wrapper of native errors) with these messages. Anything else
/// (a bad checkpoint, a shape bug, a managed exception) would fail again the same way and is not retried.
/// </summary>
public static class TransientDeviceErrors
{
    static readonly string[] Markers =
    [
        "out of memory",                 // "CUDA out of memory. Tried to allocate ..." and the CPU allocator's message
        "CUBLAS_STATUS_ALLOC_FAILED",
        "CUDNN_STATUS_ALLOC_FAILED",
        "CUDNN_STATUS_NOT_SUPPORTED. This error may appear if you passed in a non-contiguous input", // cuDNN workspace OOM
    ];

    public static bool IsTransient(Exception e) =>
        e is ExternalException && Markers.Any(m => e.Message.Contains(m, StringComparison.OrdinalIgnoreCase));
}
