using KosmosG.Pipelines;

namespace KosmosG.Adapters;

/// <summary>
/// Resolves the names requests use for LoRAs or ControlNets to files and folders inside configured folders. A name is
/// one path segment (a file name with or without its extension, or a sub-folder); anything that could leave its
/// folder (separators, "..", rooted paths) is refused. With <c>allowPaths</c> (the CLI) an existing path is taken as is.
/// </summary>
public sealed class AssetFolders
{
    readonly string[] _folders;
    readonly string[] _extensions;
    readonly bool _allowPaths;
    readonly bool _allowDirectories;

    /// <param name="field">The request field names are reported under (loras, controlnets).</param>
    /// <param name="extensions">File kinds that count as assets, with the dot (.safetensors).</param>
    /// <param name="allowDirectories">Sub-folders count as assets too (diffusers ControlNet folders).</param>
    public AssetFolders(string field, IEnumerable<string> folders, IReadOnlyList<string> extensions, bool allowDirectories, bool allowPaths)
    {
        Field = field;
        _folders = folders.Select(f => Path.GetFullPath(f)).Distinct().ToArray();
        _extensions = extensions.ToArray();
        _allowDirectories = allowDirectories;
        _allowPaths = allowPaths;
    }

    public string Field { get; }
    public IReadOnlyList<string> Folders => _folders;

    /// <summary>The full path of <paramref name="name"/>; a <see cref="GenerationRequestException"/> for unknown or escaping names.</summary>
    public string Resolve(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new GenerationRequestException(Field, $"{Field}: the name is empty");
        if (_allowPaths && (File.Exists(name) || (_allowDirectories && Directory.Exists(name)))) return Path.GetFullPath(name);
        if (!IsPlainName(name))
            throw new GenerationRequestException(Field, $"{Field}: '{name}' is not a plain name: names may not contain path separators or '..' and must stay inside their folder");
        foreach (var folder in _folders)
        {
            foreach (var candidate in new[] { name }.Concat(_extensions.Select(e => name + e)))
            {
                var path = Path.GetFullPath(Path.Combine(folder, candidate));
                if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
                if (File.Exists(path) && _extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase))) return path;
                if (_allowDirectories && candidate == name && Directory.Exists(path)) return path;
            }
        }
        throw new GenerationRequestException(Field, $"{Field}: unknown name '{name}' (available: {string.Join(", ", Names().DefaultIfEmpty("none"))})");
    }

    /// <summary>Every name the folders offer, sorted (files without their extension).</summary>
    public IReadOnlyList<string> Names() =>
        _folders.Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFileSystemEntries(folder))
            .Where(p => (_allowDirectories && Directory.Exists(p)) || _extensions.Any(e => p.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Select(p => Directory.Exists(p) ? Path.GetFileName(p) : Path.GetFileNameWithoutExtension(p))
            .Distinct().Order(StringComparer.Ordinal).ToList();

    static bool IsPlainName(string name) =>
        name is not ("." or "..") && !name.Contains("..", StringComparison.Ordinal) && name.IndexOfAny(['/', '\\', '\0', ':']) < 0 && !Path.IsPathRooted(name);
}
