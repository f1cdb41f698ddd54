using System.Text.Json;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using KosmosG.Tokenizers.SentencePiece;

namespace KosmosG.Training.Vocabulary;

/// <summary>
/// The MLLM vocabulary of a model folder: sentencepiece.bpe.model and dict.txt written from a word list, and the
/// config keys that describe them (vocab_size, padding_idx, special_token_ids, dict_txt_lines, spm_vocab_size,
/// as in tests/fixtures/kosmosg-tiny/config.json). Every SentencePiece piece but &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt; is a
/// dict.txt line in SentencePiece order, so no piece maps to &lt;unk&gt; by omission.
/// </summary>
public sealed record KosmosGVocabulary(int SpmVocabSize, int DictTxtLines, IReadOnlyDictionary<string, int> SpecialTokenIds, int VocabSize)
{
    /// <summary>Writes the two tokenizer files into <paramref name="modelDir"/> and reads them back with the real loaders.</summary>
    public static KosmosGVocabulary Write(string modelDir, IReadOnlyList<WordCount> words)
    {
        Directory.CreateDirectory(modelDir);
        var spmPath = Path.Combine(modelDir, KosmosGModelFolder.SentencePieceFile);
        var dictPath = Path.Combine(modelDir, KosmosGModelFolder.DictionaryFile);
        var pieces = SentencePieceModelWriter.Write(spmPath, words);
        var lines = pieces.Where(p => p.Type is PieceType.Normal or PieceType.UserDefined).Select(p => p.Piece).ToList();
        FairseqDictionaryWriter.Write(dictPath, lines);
        return Describe(SentencePieceModel.Load(spmPath), FairseqDictionary.Load(dictPath), lines.Count);
    }

    /// <summary>The config keys of loaded tokenizer files (ids as the loaders assign them).</summary>
    public static KosmosGVocabulary Describe(SentencePieceModel spm, FairseqDictionary dictionary, int dictTxtLines)
    {
        var d = dictionary;
        var ids = new Dictionary<string, int>
        {
            ["<s>"] = d.Bos, ["<pad>"] = d.Pad, ["</s>"] = d.Eos, ["<unk>"] = d.Unk, ["<mask>"] = d.Mask, ["</doc>"] = d.EndOfDocument,
            ["<image>"] = d.ImageStart, ["</image>"] = d.ImageEnd, ["</chunk>"] = d.EndOfChunk, ["</line>"] = d.EndOfLine,
        };
        return new KosmosGVocabulary(spm.Count, dictTxtLines, ids, d.Count);
    }

    /// <summary>
    /// <paramref name="config"/> (the model sizes) with this vocabulary: vocab_size, padding_idx and the descriptive
    /// keys; other extra keys of the config are kept.
    /// </summary>
    public KosmosGConfig ApplyTo(KosmosGConfig config)
    {
        var extra = new Dictionary<string, JsonElement>(config.Extra ?? [])
        {
            ["special_token_ids"] = JsonSerializer.SerializeToElement(SpecialTokenIds),
            ["dict_txt_lines"] = JsonSerializer.SerializeToElement(DictTxtLines),
            ["spm_vocab_size"] = JsonSerializer.SerializeToElement(SpmVocabSize),
        };
        extra.Remove("dict_omitted_spm_pieces");
        var result = config with { VocabSize = VocabSize, PaddingIdx = SpecialTokenIds["<pad>"], Extra = extra };
        result.Validate();
        return result;
    }
}
