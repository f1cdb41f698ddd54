using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>
/// A storage a torch checkpoint's pickle refers to by persistent id: its bytes are the zip entry
/// <c>&lt;archive&gt;/data/&lt;Key&gt;</c>. <see cref="DType"/> is null for storage classes we cannot hold (complex,
/// quantized); that only fails if such a tensor is actually read.
/// </summary>
public sealed record TorchStorageRef(string Key, string TypeName, ScalarType? DType, long NumElements);
