using System.Text.Json;
using KosmosG.Tokenizers.SentencePiece;

namespace KosmosG.Tests.Tokenizers;

public class SentencePieceModelTests
{
    static readonly SentencePieceModel Tiny = SentencePieceModel.Load(Path.Combine(Fixtures.KosmosGTiny, "sentencepiece.bpe.model"));

    [Fact]
    public void Load_ReadsPiecesAndNormalizerSpec()
    {
        Assert.Equal(320, Tiny.Count);
        Assert.Equal("<unk>", Tiny.IdToPiece(0));
        Assert.Equal(PieceType.Unknown, Tiny.TypeOf(0));
        Assert.Equal(PieceType.Control, Tiny.TypeOf(1));
        Assert.Equal("in", Tiny.IdToPiece(3));
        Assert.Equal("nmt_nfkc", Tiny.Normalizer.Name);
        Assert.NotEmpty(Tiny.Normalizer.PrecompiledCharsMap);
        Assert.True(Tiny.Normalizer.AddDummyPrefix && Tiny.Normalizer.RemoveExtraWhitespaces && Tiny.Normalizer.EscapeWhitespaces);
    }

    /// <summary>
    /// 3,018 strings (ASCII words, vocabulary characters, Unicode-heavy text: ligatures, full-width forms,
    /// tabs, newlines, NBSP, zero-width and control characters, emoji, CJK, random BMP text) with the
    /// pieces python sentencepiece 0.1.97 gave on this model (make_spm_reference.py). Exact.
    /// </summary>
    [Fact]
    public void EncodeAsPieces_MatchesSentencePiece0197Exactly()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ReferencePath));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToArray();
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var text = c.GetProperty("text").GetString()!;
            var expected = c.GetProperty("pieces").EnumerateArray().Select(p => p.GetString()!).ToArray();
            var actual = Tiny.EncodeAsPieces(text);
            if (!expected.SequenceEqual(actual))
                failures.Add($"{JsonSerializer.Serialize(text)}: expected [{string.Join(" ", expected)}], got [{string.Join(" ", actual)}]");
        }
        Assert.True(cases.Length > 3000);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Length} differ:\n" + string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [InlineData("a", new[] { "▁a" })]
    [InlineData("  hello   world ", new[] { "▁", "he", "l", "l", "o", "▁w", "or", "ld" })]
    [InlineData("\tx\ny", new[] { "▁", "x", "▁y" })]                          // tab/newline are spaces after nmt_nfkc
    [InlineData("ａｂｃ", new[] { "▁a", "b", "c" })]                           // full-width forms folded
    [InlineData("ééé a ï—x", new[] { "▁", "ééé", "▁a", "▁", "ï—", "x" })]      // unknown runs merged
    [InlineData("", new string[0])]
    [InlineData(" ", new string[0])]
    public void EncodeAsPieces_NormalisationAndUnknownRuns(string text, string[] expected) =>
        Assert.Equal(expected, Tiny.EncodeAsPieces(text));

    [Fact]
    public void UserDefinedPieces_AreAtomicAndSkipNormalisation()
    {
        // Pieces: <unk>, <s>, </s>, user-defined "<image>", then ▁, a, b, ▁a; identity normaliser.
        // Expected values: python sentencepiece 0.1.97 loading the same bytes (model_proto=...).
        var model = SentencePieceModel.Parse(SyntheticModel.Bytes(), "synthetic");
        Assert.Equal(new[] { "▁a", "<image>", "b" }, model.EncodeAsPieces("a<image>b"));
        Assert.Equal(new[] { "▁a", "<image>", "▁", "b" }, model.EncodeAsPieces("  a<image>  b "));
        Assert.Equal(new[] { "▁", "<im", "a", "g" }, model.EncodeAsPieces("<imag"));
    }

    [Fact]
    public void Parse_RejectsNonBpeAndCorruptModels()
    {
        var unigram = SyntheticModel.Bytes(modelType: 1);
        Assert.Contains("not BPE", Assert.Throws<InvalidDataException>(() => SentencePieceModel.Parse(unigram, "m")).Message);
        var truncated = SyntheticModel.Bytes()[..^3];
        Assert.Contains("m", Assert.Throws<InvalidDataException>(() => SentencePieceModel.Parse(truncated, "m")).Message);
        Assert.Throws<FileNotFoundException>(() => SentencePieceModel.Load("/nonexistent/spm.model"));
    }

    static string ReferencePath => Path.Combine(Fixtures.Root, "..", "KosmosG.Core.Tests", "Tokenizers", "spm_reference.json");
}
