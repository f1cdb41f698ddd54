namespace KosmosG.Training.Loop;

/// <summary>The trainers' exit codes: a usage error prints the message and the usage and exits 2; bad data, files or
/// settings print the message and exit 1 (no stack trace: the message names the file, line or flag).</summary>
public static class ConsoleCommand
{
    public static int Run(string usage, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}\n\n{usage}");
            return 2;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
