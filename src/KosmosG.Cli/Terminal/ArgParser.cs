using System.Globalization;

namespace KosmosG.Cli.Terminal;

/// <summary>
/// Parses `--flag value` arguments against a declared set of flags. Unknown flags, missing values and values
/// of the wrong type are usage errors; repeatable flags collect every occurrence in order.
/// </summary>
public sealed class ArgParser
{
    readonly Dictionary<string, List<string>> _values = new();
    readonly HashSet<string> _switches = new();

    public ArgParser(IReadOnlyList<string> args, IReadOnlyCollection<string> valueFlags, IReadOnlyCollection<string>? switchFlags = null,
        IReadOnlyCollection<string>? repeatable = null)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (switchFlags?.Contains(arg) == true) { _switches.Add(arg); continue; }
            if (!valueFlags.Contains(arg)) throw new UsageException($"unknown argument '{arg}'");
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"{arg} needs a value");
            if (!_values.TryGetValue(arg, out var list)) _values[arg] = list = new List<string>();
            else if (repeatable?.Contains(arg) != true) throw new UsageException($"{arg} given more than once");
            list.Add(args[++i]);
        }
    }

    public bool Has(string flag) => _values.ContainsKey(flag) || _switches.Contains(flag);
    public string? String(string flag) => _values.TryGetValue(flag, out var v) ? v[0] : null;
    public IReadOnlyList<string> All(string flag) => _values.TryGetValue(flag, out var v) ? v : [];
    public string Required(string flag) => String(flag) ?? throw new UsageException($"{flag} is required");

    public int? Int(string flag, int min = int.MinValue, int max = int.MaxValue) =>
        String(flag) is { } s ? Parse<int>(flag, s, v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) && r >= min && r <= max ? r : (int?)null,
            $"an integer from {min} to {max}") : null;

    public long? Long(string flag) =>
        String(flag) is { } s ? Parse<long>(flag, s, v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : (long?)null, "an integer") : null;

    public double? Double(string flag, double min = double.MinValue, double max = double.MaxValue) =>
        String(flag) is { } s ? Parse<double>(flag, s, v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r >= min && r <= max && !double.IsNaN(r) ? r : null,
            $"a number from {min} to {max}") : null;

    public string? Choice(string flag, IReadOnlyCollection<string> choices) =>
        String(flag) is { } s ? (choices.Contains(s) ? s : throw new UsageException($"{flag} must be one of {string.Join("|", choices)}, got '{s}'")) : null;

    static T Parse<T>(string flag, string value, Func<string, T?> parse, string expected) where T : struct =>
        parse(value) ?? throw new UsageException($"{flag} must be {expected}, got '{value}'");
}
