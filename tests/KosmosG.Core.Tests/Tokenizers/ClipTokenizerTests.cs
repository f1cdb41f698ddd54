using System.Runtime.CompilerServices;
using System.Text.Json;
using KosmosG.Tokenizers;
using Xunit.Abstractions;

namespace KosmosG.Tests.Tokenizers;

public class ClipTokenizerTests(ITestOutputHelper output)
{
    static readonly string TokenizerDir = Path.Combine(Fixtures.Sd15TinyPipeline, "tokenizer");
    const int Bos = 763, Eos = 764;

    static ClipTokenizer Load() => ClipTokenizer.FromFolder(TokenizerDir);

    static List<(string Prompt, string[] BpeTokens)> FixturePrompts()
    {
        var tokenizerCase = Fixtures.Sd15CaseInfo("tokenizer");
        return tokenizerCase.GetProperty("prompts").EnumerateArray()
            .Select(p => (p.GetProperty("prompt").GetString()!,
                p.GetProperty("bpe_tokens").EnumerateArray().Select(t => t.GetString()!).ToArray()))
            .ToList();
    }

    // clip_reference.json: tokens computed by gen_clip_reference.py (a transcription of transformers' slow
    // CLIPTokenizer run on Python 3.11's own unicodedata, str.lower and regex) for random mixes of tricky text and for
    // every character that NFC or lower-casing changes.
    static List<(string Text, string[] Tokens)> PythonReference([CallerFilePath] string here = "")
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "clip_reference.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => (c.GetProperty("text").GetString()!,
                c.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray()))
            .ToList();
    }

    [Fact]
    public void FixturePromptsGiveTheReferenceInputIds()
    {
        var expected = Fixtures.Sd15Case("tokenizer")["input_ids"];
        var prompts = FixturePrompts().Select(p => p.Prompt).ToList();
        using var actual = Load().EncodeBatch(prompts);
        var exactRows = Enumerable.Range(0, prompts.Count).Count(i => expected[i].Equals(actual[i]));
        output.WriteLine($"input_ids: {exactRows}/{prompts.Count} rows exact");
        TensorAssert.Equal(expected, actual, "input_ids");
    }

    [Fact]
    public void FixturePromptsGiveTheReferenceBpeTokens()
    {
        var tokenizer = Load();
        var prompts = FixturePrompts();
        var wrong = prompts.Where(p => !tokenizer.Tokenize(p.Prompt).SequenceEqual(p.BpeTokens)).Select(p => p.Prompt).ToList();
        output.WriteLine($"bpe_tokens: {prompts.Count - wrong.Count}/{prompts.Count} prompts exact");
        Assert.Empty(wrong);
    }

    [Fact]
    public void MatchesThePythonReferenceOnTrickyText()
    {
        var tokenizer = Load();
        var cases = PythonReference();
        var wrong = cases.Where(c => !tokenizer.Tokenize(c.Text).SequenceEqual(c.Tokens)).ToList();
        output.WriteLine($"python reference: {cases.Count - wrong.Count}/{cases.Count} strings exact");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(5).Select(c =>
            $"{JsonSerializer.Serialize(c.Text)}: expected [{string.Join(" ", c.Tokens)}], got [{string.Join(" ", tokenizer.Tokenize(c.Text))}]")));
    }

    [Fact]
    public void EmptyTextIsBosEosThenPadding()
    {
        var ids = Load().Encode("");
        Assert.Equal(77, ids.Length);
        Assert.Equal(Bos, ids[0]);
        Assert.All(ids[1..], id => Assert.Equal(Eos, id));
    }

    [Fact]
    public void TruncationKeepsEosInTheLastPosition()
    {
        var tokenizer = Load();
        var text = string.Join(" ", Enumerable.Repeat("astronaut", 100));
        var astronaut = tokenizer.TokenIds("astronaut").Single();
        var ids = tokenizer.Encode(text);
        Assert.Equal(77, ids.Length);
        Assert.Equal(Bos, ids[0]);
        Assert.All(ids[1..76], id => Assert.Equal(astronaut, id));
        Assert.Equal(Eos, ids[76]);
    }

    [Fact]
    public void PadTokenIsReadFromTheFolder()
    {
        // Stable Diffusion 2's tokenizer pads with "!". Being a special token, it is also never merged by BPE.
        var dir = Directory.CreateTempSubdirectory("clip-tokenizer-").FullName;
        try
        {
            foreach (var f in new[] { "vocab.json", "merges.txt", "tokenizer_config.json" })
                File.Copy(Path.Combine(TokenizerDir, f), Path.Combine(dir, f));
            File.WriteAllText(Path.Combine(dir, "special_tokens_map.json"),
                """{"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "!", "unk_token": "<|endoftext|>"}""");
            var tokenizer = ClipTokenizer.FromFolder(dir);
            Assert.Equal(0, tokenizer.PadId); // "!" is byte symbol 0
            var ids = tokenizer.Encode("a");
            Assert.Equal(new long[] { Bos, tokenizer.TokenIds("a").Single(), Eos, 0, 0 }, ids[..5]);
            Assert.Equal(["!", "!", "!"], tokenizer.Tokenize("!!!"));
            Assert.Equal(["!", "!</w>"], Load().Tokenize("!!!").Skip(1));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void SplitsLettersAndDigitsOutsideTheBmpByCodePoint()
    {
        var tokenizer = Load();
        // U+1D400 is a letter: "a" and it form one word (one </w>), which UTF-16 regex matching splits in two.
        Assert.Single(tokenizer.Tokenize("a\U0001D400"), t => t.EndsWith("</w>"));
        // U+1D7CF and U+1D7D0 are digits, each its own word.
        Assert.Equal(2, tokenizer.Tokenize("\U0001D7CF\U0001D7D0").Count(t => t.EndsWith("</w>")));
    }

    [Fact]
    public void DropsLoneSurrogatesLikeOtherControlCharacters()
    {
        var tokenizer = Load();
        Assert.Equal(tokenizer.Tokenize("ab"), tokenizer.Tokenize("a\uD800b\uDC00"));
    }

    [Fact]
    public void IsThreadSafe()
    {
        var texts = FixturePrompts().Select(p => p.Prompt).Concat(PythonReference().Select(c => c.Text)).ToArray();
        var sequential = Load();
        var expected = texts.Select(sequential.Encode).ToArray();
        var shared = Load();
        var actual = new long[texts.Length * 4][];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => actual[i] = shared.Encode(texts[i % texts.Length]));
        for (var i = 0; i < actual.Length; i++) Assert.Equal(expected[i % texts.Length], actual[i]);
    }

    [Fact]
    public void MalformedMergesNameTheFileAndLine()
    {
        var dir = Directory.CreateTempSubdirectory("clip-tokenizer-").FullName;
        try
        {
            File.Copy(Path.Combine(TokenizerDir, "vocab.json"), Path.Combine(dir, "vocab.json"));
            File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\ni n\nt h e\n");
            var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFolder(dir));
            Assert.Contains("merges.txt' line 3", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
