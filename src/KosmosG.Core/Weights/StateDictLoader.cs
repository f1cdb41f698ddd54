using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>What a state-dict load found, key by key.</summary>
public sealed record StateDictReport(
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> WrongShape,
    int Loaded)
{
    public bool IsClean => Missing.Count == 0 && Unexpected.Count == 0 && WrongShape.Count == 0;

    public string Describe(int maxPerList = 20)
    {
        static string List(string title, IReadOnlyList<string> keys, int max) =>
            keys.Count == 0 ? "" : $"\n  {title} ({keys.Count}): {string.Join(", ", keys.Take(max))}{(keys.Count > max ? ", ..." : "")}";
        return $"{Loaded} loaded" + List("missing", Missing, maxPerList) + List("unexpected", Unexpected, maxPerList) + List("wrong shape", WrongShape, maxPerList);
    }
}

/// <summary>
/// Loads weights into a module by name (module attribute names mirror the checkpoint keys), copying each
/// tensor from the source straight into its parameter (dtype converted per tensor). Strict by default: any
/// missing, unexpected or wrongly shaped key is an error that lists them all.
/// </summary>
public static class StateDictLoader
{
    /// <param name="prefix">Only source keys starting with this prefix belong to the module; it is stripped.</param>
    /// <param name="ignore">Source keys (after the prefix) that are known to be unused and are skipped.</param>
    /// <param name="rename">Maps a source key (after the prefix) to the module's key, for legacy names.</param>
    public static StateDictReport Load(nn.Module module, IStateDictSource source, string prefix = "", bool strict = true,
        Func<string, bool>? ignore = null, Func<string, string>? rename = null)
    {
        // Like PyTorch's state_dict: parameters and persistent buffers.
        var targets = new Dictionary<string, Tensor>();
        foreach (var (name, p) in module.named_parameters()) targets[name] = p;
        foreach (var (name, b) in module.named_buffers(include_nonpersistent: false)) targets[name] = b;

        var sources = new Dictionary<string, string>(); // module key -> source key
        var unexpected = new List<string>();
        foreach (var sourceKey in source.Keys)
        {
            if (!sourceKey.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var key = sourceKey[prefix.Length..];
            if (ignore?.Invoke(key) == true) continue;
            key = rename?.Invoke(key) ?? key;
            if (!targets.ContainsKey(key)) unexpected.Add(sourceKey);
            else if (!sources.TryAdd(key, sourceKey))
                throw new ArgumentException($"weights in '{source.SourceName}': '{sources[key]}' and '{sourceKey}' both map to '{key}' of {module.GetName()}");
        }

        var missing = targets.Keys.Where(k => !sources.ContainsKey(k)).Select(k => prefix + k).ToList();
        var wrongShape = new List<string>();
        var loaded = 0;
        using (no_grad())
        {
            foreach (var (key, sourceKey) in sources)
            {
                var target = targets[key];
                var shape = source.ShapeOf(sourceKey);
                if (!shape.SequenceEqual(target.shape))
                {
                    wrongShape.Add($"{sourceKey} [{string.Join(",", shape)}] expected [{string.Join(",", target.shape)}]");
                    continue;
                }
                source.CopyTo(sourceKey, target);
                loaded++;
            }
        }

        var report = new StateDictReport(missing, unexpected, wrongShape, loaded);
        if (strict && !report.IsClean)
            throw new InvalidDataException($"weights in '{source.SourceName}' do not match {module.GetName()}: {report.Describe()}");
        return report;
    }

    /// <summary>Opens a safetensors file or a zip torch checkpoint (its "model" entry, or the root state dict) and loads it strictly.</summary>
    public static StateDictReport Load(nn.Module module, string path, string prefix = "",
        Func<string, bool>? ignore = null, Func<string, string>? rename = null)
    {
        if (WeightsFormat.Detect(path) == WeightsFileKind.SafeTensors)
        {
            using var file = SafeTensorsFile.Open(path);
            return Load(module, file, prefix, strict: true, ignore, rename);
        }
        using var checkpoint = TorchCheckpoint.Open(path);
        return Load(module, checkpoint.StateDict(), prefix, strict: true, ignore, rename);
    }
}
