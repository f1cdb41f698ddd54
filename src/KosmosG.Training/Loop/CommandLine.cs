using System.Globalization;

namespace KosmosG.Training.Loop;

/// <summary>
/// `--flag value` / `--switch` arguments checked against the declared flags: unknown flags, missing values,
/// repeated flags and values of the wrong type are <see cref="UsageException"/>s naming the flag.
/// </summary>
public sealed class CommandLine
{
    readonly Dictionary<string, string> _values = new();
    readonly HashSet<string> _switches = new();

    public CommandLine(IReadOnlyList<string> args, IReadOnlyCollection<string> valueFlags, IReadOnlyCollection<string> switches)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (switches.Contains(arg)) { _switches.Add(arg); continue; }
            if (!valueFlags.Contains(arg)) throw new UsageException($"unknown argument '{arg}'");
            if (i + 1 >= args.Count) throw new UsageException($"{arg} needs a value");
            if (!_values.TryAdd(arg, args[++i])) throw new UsageException($"{arg} given more than once");
        }
    }

    public bool Switch(string flag) => _switches.Contains(flag);
    public string? String(string flag) => _values.GetValueOrDefault(flag);
    public string Required(string flag) => String(flag) ?? throw new UsageException($"{flag} is required");

    public int Int(string flag, int fallback, int min = int.MinValue) =>
        String(flag) is not { } s ? fallback
        : int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min ? v
        : throw new UsageException($"{flag} must be an integer >= {min}, got '{s}'");

    public double Double(string flag, double fallback, double min = double.MinValue, double max = double.MaxValue) =>
        String(flag) is not { } s ? fallback
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v
        : throw new UsageException($"{flag} must be a number in [{min}, {max}], got '{s}'");

    public string Choice(string flag, string fallback, params string[] choices) =>
        String(flag) is not { } s ? fallback
        : choices.Contains(s) ? s
        : throw new UsageException($"{flag} must be one of {string.Join("|", choices)}, got '{s}'");
}
