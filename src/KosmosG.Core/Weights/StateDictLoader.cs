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
/// tensor from the memory-mapped file straight into its parameter. Strict by default: any missing,
/// unexpected or wrongly shaped key is an error that lists them all.
/// </summary>
public static class StateDictLoader
{
    /// <param name="prefix">Only file keys starting with this prefix belong to the module; it is stripped.</param>
    /// <param name="ignore">File keys (after the prefix) that are known to be unused and are skipped.</param>
    /// <param name="rename">Maps a file key (after the prefix) to the module's key, for legacy names.</param>
    public static StateDictReport Load(nn.Module module, SafeTensorsFile file, string prefix = "", bool strict = true,
        Func<string, bool>? ignore = null, Func<string, string>? rename = null)
    {
        var targets = new Dictionary<string, Tensor>();
        foreach (var (name, p) in module.named_parameters()) targets[name] = p;
        foreach (var (name, b) in module.named_buffers()) targets[name] = b;

        var sources = new Dictionary<string, string>(); // module key -> file key
        var unexpected = new List<string>();
        foreach (var fileKey in file.Tensors.Keys)
        {
            if (!fileKey.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var key = fileKey[prefix.Length..];
            if (ignore?.Invoke(key) == true) continue;
            key = rename?.Invoke(key) ?? key;
            if (targets.ContainsKey(key)) sources[key] = fileKey;
            else unexpected.Add(fileKey);
        }

        var missing = targets.Keys.Where(k => !sources.ContainsKey(k)).Select(k => prefix + k).ToList();
        var wrongShape = new List<string>();
        var loaded = 0;
        using (no_grad())
        {
            foreach (var (key, fileKey) in sources)
            {
                var target = targets[key];
                var info = file.Info(fileKey);
                if (!info.Shape.SequenceEqual(target.shape))
                {
                    wrongShape.Add($"{fileKey} [{string.Join(",", info.Shape)}] expected [{string.Join(",", target.shape)}]");
                    continue;
                }
                file.CopyTo(fileKey, target);
                loaded++;
            }
        }

        var report = new StateDictReport(missing, unexpected, wrongShape, loaded);
        if (strict && !report.IsClean)
            throw new InvalidDataException($"weights in '{file.Path}' do not match {module.GetName()}: {report.Describe()}");
        return report;
    }

    /// <summary>Opens a file and loads it strictly into the module.</summary>
    public static StateDictReport Load(nn.Module module, string path, string prefix = "",
        Func<string, bool>? ignore = null, Func<string, string>? rename = null)
    {
        using var file = SafeTensorsFile.Open(path);
        return Load(module, file, prefix, strict: true, ignore, rename);
    }
}
