namespace KosmosG.Tokenizers;

/// <summary>A prompt the user must fix (the message is written for them); <see cref="Field"/> is the request field at
/// fault: prompt, images or negative_prompt. The service answers HTTP 400.</summary>
public sealed class PromptException(string field, string message) : ArgumentException(message)
{
    public string Field { get; } = field;
}
