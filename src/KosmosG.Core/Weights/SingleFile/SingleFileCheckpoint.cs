using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Weights.SingleFile;

/// <summary>
/// One original-layout checkpoint file (.safetensors, or a torch zip .ckpt/.pth read by the non-executing pickle
/// reader: its state_dict entry or a flat dict), loaded into diffusers-named modules through a key mapping.
/// </summary>
public sealed class SingleFileCheckpoint : IDisposable
{
    readonly IDisposable _owner;

    SingleFileCheckpoint(string path, IDisposable owner, IStateDictSource source)
    {
        Path = path;
        _owner = owner;
        Source = source;
        Keys = source.Keys.ToHashSet(StringComparer.Ordinal);
    }

    public string Path { get; }
    public IStateDictSource Source { get; }
    public IReadOnlySet<string> Keys { get; }

    public static SingleFileCheckpoint Open(string path)
    {
        if (WeightsFormat.Detect(path) == WeightsFileKind.SafeTensors)
        {
            var file = SafeTensorsFile.Open(path);
            return new SingleFileCheckpoint(path, file, file);
        }
        var checkpoint = TorchCheckpoint.Open(path);
        try { return new SingleFileCheckpoint(path, checkpoint, checkpoint.StateDict("state_dict")); }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Strictly loads <paramref name="module"/>: each of its keys k is read from <paramref name="prefix"/> + toFileKey(k).
    /// Keys of the file that belong to no parameter are ignored (other components, EMA copies, noise-schedule buffers).
    /// </summary>
    /// <param name="convShaped">Keys whose [C, C] linear weight is stored as a [C, C, 1, 1] convolution.</param>
    public StateDictReport LoadInto(nn.Module module, string prefix, Func<string, string> toFileKey, Func<string, bool>? convShaped = null)
    {
        var names = module.named_parameters().Select(p => p.name).Concat(module.named_buffers(include_nonpersistent: false).Select(b => b.name));
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
            if (prefix + toFileKey(name) is var fileKey && Keys.Contains(fileKey)) map[name] = fileKey;
        return StateDictLoader.Load(module, new Mapped(Source, map, convShaped ?? (_ => false)));
    }

    public void Dispose() => _owner.Dispose();

    /// <summary>The file's tensors under the module's own names.</summary>
    sealed class Mapped(IStateDictSource inner, Dictionary<string, string> map, Func<string, bool> convShaped) : IStateDictSource
    {
        public string SourceName => inner.SourceName;
        public IEnumerable<string> Keys => map.Keys;

        public long[] ShapeOf(string key)
        {
            var shape = inner.ShapeOf(map[key]);
            return convShaped(key) && shape is [var o, var i, 1, 1] ? [o, i] : shape;
        }

        public void CopyTo(string key, Tensor destination)
        {
            var shape = inner.ShapeOf(map[key]);
            if (shape.SequenceEqual(destination.shape)) inner.CopyTo(map[key], destination);
            else
            {
                using var view = destination.view(shape);
                inner.CopyTo(map[key], view);
            }
        }
    }
}
