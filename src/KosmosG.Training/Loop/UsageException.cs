namespace KosmosG.Training.Loop;

/// <summary>A wrong command line: the trainer prints the message and its usage text and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
