using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using KosmosG.Tokenizers.SentencePiece;
using KosmosG.ToyWorld;
using KosmosG.Training.Vocabulary;

namespace KosmosG.Tests.Training;

public sealed class VocabularyWriterTests : IDisposable
{
    static readonly IReadOnlyList<WordCount> ToyWords = WordList.FromTexts(WordList.ToyWorldCaptions());
    static readonly IReadOnlyList<string> Captions = [.. WordList.ToyWorldCaptions()];

    readonly string _dir = Directory.CreateTempSubdirectory("kosmosg-vocab-").FullName;

    static int WordsOf(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    [Fact]
    public void ToyWorldWordListHoldsEveryCaptionWord()
    {
        Assert.Equal(1890, Captions.Count);
        var words = ToyWords.Select(w => w.Word).ToHashSet();
        foreach (var w in new[] { "a", "purple", "triangle", "center", "gray", "background", "bottom", "and" }) Assert.Contains(w, words);
        Assert.Equal("a", ToyWords[0].Word); // the most frequent word comes first
    }

    [Fact]
    public void ClipFilesHaveTheClipLayoutAndEncodeEveryCaptionOneTokenPerWord()
    {
        var size = ClipVocabularyWriter.Write(_dir, ToyWords);
        var merges = File.ReadAllLines(Path.Combine(_dir, "merges.txt"));
        Assert.Equal("#version: 0.2", merges[0]);
        Assert.All(merges.Skip(1), m => Assert.Equal(2, m.Split(' ').Length));
        var vocab = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(_dir, "vocab.json")))!;
        Assert.Equal(size, vocab.Count);
        Assert.Equal(Enumerable.Range(0, size), vocab.Values.Order());
        Assert.Equal((0, 94, 256, 256 + 94), (vocab["!"], vocab["¡"], vocab["!</w>"], vocab["¡</w>"]));
        Assert.Equal((size - 2, size - 1), (vocab["<|startoftext|>"], vocab["<|endoftext|>"]));
        Assert.Contains("circle</w>", vocab.Keys);

        var tokenizer = ClipTokenizer.FromFolder(_dir);
        foreach (var caption in Captions)
        {
            var tokens = tokenizer.Tokenize(caption);
            Assert.True(tokens.Count == WordsOf(caption) && tokens.All(t => t.EndsWith("</w>")), $"'{caption}' -> [{string.Join(", ", tokens)}]");
        }
        var ids = tokenizer.Encode(Captions[^1]);
        Assert.Equal(tokenizer.BosId, ids[0]);
        Assert.All(ids, id => Assert.InRange(id, 0, size - 1));
    }

    [Fact]
    public void ClipUnknownWordsStillEncodeFromBytes()
    {
        ClipVocabularyWriter.Write(_dir, ToyWords);
        var tokenizer = ClipTokenizer.FromFolder(_dir);
        var tokens = tokenizer.Tokenize("a zebra on a Café wall, 42!");
        Assert.True(tokens.Count > 7, string.Join(", ", tokens));
        var ids = tokenizer.TokenIds("a zebra on a Café wall, 42!");
        Assert.DoesNotContain(tokenizer.EosId, ids); // unknown tokens would map to <|endoftext|>
    }

    [Fact]
    public void SentencePieceAndDictionaryEncodeEveryCaptionOneIdPerWordThroughThePromptBuilder()
    {
        var vocabulary = KosmosGVocabulary.Write(_dir, ToyWords);
        var folder = new KosmosGModelFolder(_dir);
        var spm = SentencePieceModel.Load(folder.SentencePiecePath);
        var dictionary = FairseqDictionary.Load(folder.DictionaryPath);
        Assert.Equal((vocabulary.SpmVocabSize, vocabulary.VocabSize), (spm.Count, dictionary.Count));
        Assert.Equal(vocabulary.SpmVocabSize - 3, vocabulary.DictTxtLines);
        Assert.Equal((PieceType.Unknown, PieceType.Control, PieceType.Control), (spm.TypeOf(0), spm.TypeOf(1), spm.TypeOf(2)));
        Assert.Equal("identity", spm.Normalizer.Name);

        var builder = new KosmosGPromptBuilder(spm, dictionary, imageTokenLength: 4);
        foreach (var caption in Captions)
        {
            var pieces = spm.EncodeAsPieces(caption);
            Assert.Equal(caption.Split(' ').Select(w => "\u2581" + w), pieces);
            var ids = builder.EncodeText(caption);
            Assert.True(ids.Length == WordsOf(caption) && !ids.Contains(dictionary.Unk), $"'{caption}' -> [{string.Join(", ", ids)}]");
        }
    }

    [Fact]
    public void SentencePieceUnknownWordsEncodeAsCharacters()
    {
        KosmosGVocabulary.Write(_dir, ToyWords);
        var spm = SentencePieceModel.Load(Path.Combine(_dir, KosmosGModelFolder.SentencePieceFile));
        var dictionary = FairseqDictionary.Load(Path.Combine(_dir, KosmosGModelFolder.DictionaryFile));
        var pieces = spm.EncodeAsPieces("a zebra, Über  alles");
        Assert.Equal("\u2581a", pieces[0]);
        Assert.True(pieces.Count > 5, string.Join(" ", pieces));
        Assert.Equal("\u2581a\u2581zebra,\u2581Über\u2581alles", string.Concat(pieces));
        // ASCII letters and punctuation are pieces of their own; only 'Ü' falls outside the alphabet.
        var unknown = pieces.Where(p => dictionary.IndexOf(p) == dictionary.Unk).ToList();
        Assert.Equal(["Ü"], unknown);
    }

    [Fact]
    public void InterleavedToyPromptBuildsThroughThePromptBuilder()
    {
        KosmosGVocabulary.Write(_dir, ToyWords);
        var builder = new KosmosGModelFolder(_dir).PromptBuilder(KosmosGConfig.XL with { LatentQueryNum = 4, ImageTokenLength = 4 });
        var composition = new ToyComposition(ToyWorldSets.TwoObjectScenes[7], firstIsImage: true, secondIsImage: true);
        var prompt = ToyCaptions.Interleaved(composition).Prompt;
        Assert.Equal(2, prompt.Split("<i>").Length - 1);
        var built = builder.Build(prompt, 2);
        var words = WordsOf(prompt.Replace("<i>", ""));
        Assert.Equal(1 + 2 * (4 + 2) + words, built.Length);
        Assert.Equal(8, built.ImageMask.Count(m => m));
        Assert.DoesNotContain((long)builder.Dictionary.Unk, built.Tokens);
        Assert.Equal(builder.Dictionary.ImageStart, built.Tokens[1]);
    }

    [Fact]
    public void ConfigSectionMatchesTheWrittenFiles()
    {
        var vocabulary = KosmosGVocabulary.Write(_dir, ToyWords);
        var sizes = KosmosGConfig.Load(Path.Combine(Fixtures.KosmosGTiny, "config.json"));
        var config = vocabulary.ApplyTo(sizes);
        config.Save(Path.Combine(_dir, "config.json"));
        var loaded = KosmosGConfig.Load(Path.Combine(_dir, "config.json"));
        var dictionary = FairseqDictionary.Load(Path.Combine(_dir, KosmosGModelFolder.DictionaryFile));
        Assert.Equal(dictionary.Count, loaded.VocabSize);
        Assert.Equal(dictionary.Pad, loaded.PaddingIdx);
        Assert.Equal(sizes.DecoderEmbedDim, loaded.DecoderEmbedDim);
        var ids = loaded.Extra!["special_token_ids"];
        Assert.Equal(dictionary.ImageStart, ids.GetProperty("<image>").GetInt32());
        Assert.Equal(dictionary.ImageEnd, ids.GetProperty("</image>").GetInt32());
        Assert.Equal(dictionary.Count - 1, ids.GetProperty("</line>").GetInt32());
        Assert.Equal(vocabulary.DictTxtLines, loaded.Extra["dict_txt_lines"].GetInt32());
        Assert.Equal(File.ReadAllLines(Path.Combine(_dir, KosmosGModelFolder.DictionaryFile)).Length, vocabulary.DictTxtLines);
        Assert.Equal(vocabulary.SpmVocabSize, loaded.Extra["spm_vocab_size"].GetInt32());
        Assert.False(loaded.Extra.ContainsKey("dict_omitted_spm_pieces"));
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("")]
    public void BadWordsAreRefusedByName(string word)
    {
        var words = new List<WordCount> { new("fine", 1), new(word, 1) };
        var e = Assert.Throws<ArgumentException>(() => KosmosGVocabulary.Write(_dir, words));
        Assert.Contains($"'{word}'", e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
