using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>Named tensors that can be copied one at a time into existing tensors (safetensors file, torch checkpoint).</summary>
public interface IStateDictSource
{
    /// <summary>Where the tensors come from, for error messages.</summary>
    string SourceName { get; }
    IEnumerable<string> Keys { get; }
    long[] ShapeOf(string key);
    /// <summary>Copies one tensor into an existing one of the same shape, converting dtype and device.</summary>
    void CopyTo(string key, Tensor destination);
}
