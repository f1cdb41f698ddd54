namespace KosmosG.Tokenizers;

/// <summary>One MLLM input sequence: token ids and, per position, whether it is an image-embedding slot.</summary>
public sealed record PromptTokens(long[] Tokens, bool[] ImageMask)
{
    public int Length => Tokens.Length;
}
