using KosmosG.Tokenizers;
using static TorchSharp.torch;

namespace KosmosG.Evaluation.DreamBench;

/// <summary>
/// Texts as CLIPProcessor(text=..., padding=True) gives them: &lt;|startoftext|&gt; ids &lt;|endoftext|&gt;, padded with the pad id to
/// the longest text of the batch, with the attention mask. A text over the model's 77 positions is truncated to bos + its
/// first 75 tokens + eos (the official clip_score.py does not truncate and fails on such a text; DreamBench's are short).
/// </summary>
public sealed record ClipTextBatch(Tensor InputIds, Tensor AttentionMask) : IDisposable
{
    public static ClipTextBatch Encode(ClipTokenizer tokenizer, IReadOnlyList<string> texts)
    {
        if (texts.Count == 0) throw new ArgumentException("no texts to encode", nameof(texts));
        var rows = texts.Select(t => (Ids: tokenizer.Encode(t), Length: Math.Min(tokenizer.TokenIds(t).Count, tokenizer.ModelMaxLength - 2) + 2)).ToList();
        var longest = rows.Max(r => r.Length);
        var ids = new long[texts.Count * longest];
        var mask = new long[texts.Count * longest];
        for (var i = 0; i < rows.Count; i++)
            for (var j = 0; j < longest; j++)
            {
                ids[i * longest + j] = rows[i].Ids[j];
                mask[i * longest + j] = j < rows[i].Length ? 1 : 0;
            }
        return new ClipTextBatch(tensor(ids, [texts.Count, longest]), tensor(mask, [texts.Count, longest]));
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
    }
}
