using static TorchSharp.torch;

namespace KosmosG.Runtime;

/// <summary>
/// Builds modules directly in their target dtype, so a 2-billion-parameter model loaded in bf16 never exists in
/// float32 first (that would need 3x the final memory). libtorch's default dtype is process-wide, so construction
/// under a non-default dtype is serialised; tensors made elsewhere meanwhile should name their dtype (ours do).
/// </summary>
public static class TorchDefaults
{
    static readonly Lock Gate = new();

    public static T Build<T>(ScalarType? dtype, Func<T> build)
    {
        if (dtype is not { } target || target == get_default_dtype()) return build();
        lock (Gate)
        {
            var previous = get_default_dtype();
            set_default_dtype(target);
            try { return build(); }
            finally { set_default_dtype(previous); }
        }
    }
}
