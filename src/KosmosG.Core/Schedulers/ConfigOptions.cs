namespace KosmosG.Schedulers;

/// <summary>Validation of string-valued scheduler options, with errors naming the key, the value and the scheduler.</summary>
internal static class ConfigOptions
{
    public static string OneOf(string scheduler, string key, string value, params string[] allowed) =>
        allowed.Contains(value)
            ? value
            : throw new ArgumentException(
                $"{scheduler}: {key} '{value}' is not supported (supported: {string.Join(", ", allowed)})", key);

    /// <summary>Rejects a boolean option that is set to true but not implemented here.</summary>
    public static void NotEnabled(string scheduler, string key, bool? value)
    {
        if (value == true) throw new ArgumentException($"{scheduler}: {key}=true is not supported", key);
    }

    public static void Check(bool ok, string scheduler, string key, string message)
    {
        if (!ok) throw new ArgumentException($"{scheduler}: {key} {message}", key);
    }
}
