namespace KosmosG.Cli.Terminal;

/// <summary>A command line the CLI cannot accept: printed with the command's usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
