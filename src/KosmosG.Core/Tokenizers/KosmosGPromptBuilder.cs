using KosmosG.Tokenizers.SentencePiece;
using static TorchSharp.torch;

namespace KosmosG.Tokenizers;

/// <summary>
/// Builds MLLM inputs exactly like KOSMOS-G's <c>kosmosg_preprocess</c>: <c>[&lt;s&gt;]</c>, then for each
/// <c>&lt;i&gt;</c> marker the ids of the text before it (encoded on its own) followed by
/// <c>&lt;image&gt;</c> x (Q+1) and <c>&lt;/image&gt;</c>, with the image mask set on the Q slots after the
/// first <c>&lt;image&gt;</c>; then the ids of the text after the last marker. No <c>&lt;/s&gt;</c>.
/// <para>
/// Text typed by the user can never create image slots or other structural tokens: SentencePiece
/// splits a literal "&lt;image&gt;" into ordinary pieces ("▁", "&lt;", "im", ...), and should a model ever
/// produce a piece that the dictionary maps to a structural symbol (&lt;s&gt;, &lt;pad&gt;, &lt;/s&gt;, &lt;image&gt;,
/// &lt;/image&gt;, &lt;mask&gt;, &lt;/doc&gt;, &lt;/chunk&gt;, &lt;/line&gt;), that piece becomes &lt;unk&gt; instead.
/// </para>
/// </summary>
public sealed class KosmosGPromptBuilder
{
    public const string ImageMarker = "<i>";

    readonly SentencePieceModel _spm;
    readonly HashSet<int> _structuralIds;

    public FairseqDictionary Dictionary { get; }
    public int ImageTokenLength { get; }
    public int MaxImages { get; }
    public int MaxTokens { get; }

    /// <param name="imageTokenLength">latent queries per image (Q): 64 for the real model.</param>
    /// <param name="maxTokens">longest sequence accepted (the MLLM's max positions; 2048 for the real model).</param>
    public KosmosGPromptBuilder(SentencePieceModel spm, FairseqDictionary dictionary, int imageTokenLength, int maxImages = 10, int maxTokens = 2048)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageTokenLength);
        ArgumentOutOfRangeException.ThrowIfNegative(maxImages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTokens);
        _spm = spm;
        Dictionary = dictionary;
        ImageTokenLength = imageTokenLength;
        MaxImages = maxImages;
        MaxTokens = maxTokens;
        var d = dictionary;
        _structuralIds = [d.Bos, d.Pad, d.Eos, d.Mask, d.EndOfDocument, d.ImageStart, d.ImageEnd, d.EndOfChunk, d.EndOfLine];
    }

    /// <summary>The conditional input for a prompt with one <c>&lt;i&gt;</c> marker per image, in order.</summary>
    public PromptTokens Build(string prompt, int imageCount)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(imageCount);
        var segments = prompt.Split(ImageMarker);
        var markers = segments.Length - 1;
        if (markers != imageCount)
            throw new PromptException("images",
                $"The prompt has {markers} {ImageMarker} image marker(s) but {imageCount} image(s) were supplied; put one {ImageMarker} where each image belongs.");
        if (imageCount > MaxImages)
            throw new PromptException("images", $"{imageCount} images were supplied; at most {MaxImages} are allowed.");

        var tokens = new List<long> { Dictionary.Bos };
        var mask = new List<bool> { false };
        for (var i = 0; i < segments.Length; i++)
        {
            var text = EncodeText(segments[i]);
            tokens.AddRange(text);
            mask.AddRange(Enumerable.Repeat(false, text.Length));
            if (i == markers) break;
            tokens.AddRange(Enumerable.Repeat((long)Dictionary.ImageStart, ImageTokenLength + 1));
            tokens.Add(Dictionary.ImageEnd);
            mask.Add(false);
            mask.AddRange(Enumerable.Repeat(true, ImageTokenLength));
            mask.Add(false);
        }
        CheckLength(tokens.Count, "prompt", "prompt", $" (each image takes {ImageTokenLength + 2})");
        return new PromptTokens([.. tokens], [.. mask]);
    }

    /// <summary>The unconditional input: <c>[&lt;s&gt;] + ids(negativePrompt)</c> (also the stage-2 caption input).</summary>
    public PromptTokens BuildNegative(string negativePrompt)
    {
        ArgumentNullException.ThrowIfNull(negativePrompt);
        long[] tokens = [Dictionary.Bos, .. EncodeText(negativePrompt)];
        CheckLength(tokens.Length, "negative_prompt", "negative prompt", "");
        return new PromptTokens(tokens, new bool[tokens.Length]);
    }

    /// <summary>Dictionary ids of a text segment (SentencePiece pieces looked up; unknown -> &lt;unk&gt;).</summary>
    public long[] EncodeText(string text) =>
        _spm.EncodeAsPieces(text)
            .Select(piece => Dictionary.IndexOf(piece))
            .Select(id => (long)(_structuralIds.Contains(id) ? Dictionary.Unk : id))
            .ToArray();

    /// <summary>
    /// Right-pads sequences to the longest with &lt;pad&gt; (mask false), as <c>pad_sequence(batch_first,
    /// padding_value=1)</c>: tokens int64 [B,T], image mask bool [B,T].
    /// </summary>
    public (Tensor Tokens, Tensor ImageMask) Pad(IReadOnlyList<PromptTokens> prompts)
    {
        if (prompts.Count == 0) throw new ArgumentException("at least one prompt is needed", nameof(prompts));
        var length = prompts.Max(p => p.Length);
        var tokens = new long[prompts.Count * length];
        var mask = new bool[prompts.Count * length];
        Array.Fill(tokens, Dictionary.Pad);
        for (var b = 0; b < prompts.Count; b++)
        {
            prompts[b].Tokens.CopyTo(tokens, b * length);
            prompts[b].ImageMask.CopyTo(mask, b * length);
        }
        return (tensor(tokens, [prompts.Count, length]), tensor(mask, [prompts.Count, length]));
    }

    void CheckLength(int count, string field, string what, string detail)
    {
        if (count > MaxTokens)
            throw new PromptException(field, $"The {what} is {count} tokens long{detail}; the limit is {MaxTokens}. Shorten it.");
    }
}
