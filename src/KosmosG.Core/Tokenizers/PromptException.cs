namespace KosmosG.Tokenizers;

/// <summary>A prompt the user must fix (the message is written for them); the service answers HTTP 400.</summary>
public sealed class PromptException(string message) : ArgumentException(message);
