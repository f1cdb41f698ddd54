using KosmosG.Tokenizers;

namespace KosmosG.Tests.Tokenizers;

public class FairseqDictionaryTests
{
    [Fact]
    public void Load_TinyDict_MatchesConfigSpecialIds()
    {
        var d = FairseqDictionary.Load(Path.Combine(Fixtures.KosmosGTiny, "dict.txt"));
        Assert.Equal(325, d.Count);
        Assert.Equal((0, 1, 2, 3), (d.Bos, d.Pad, d.Eos, d.Unk));
        Assert.Equal((319, 320, 321, 322, 323, 324), (d.Mask, d.EndOfDocument, d.ImageStart, d.ImageEnd, d.EndOfChunk, d.EndOfLine));
        Assert.Equal(4, d.IndexOf("in"));        // dict line 0
        Assert.Equal("<image>", d[321]);
        Assert.Equal(d.Unk, d.IndexOf("▁hat"));  // deliberately omitted from the tiny dict.txt
        Assert.Equal(d.Unk, d.IndexOf("▁window"));
        Assert.Equal(d.Unk, d.IndexOf("é"));
    }

    [Fact]
    public void Parse_NoTrailingNewline_CrLf_AndOverwriteFlag()
    {
        var d = FairseqDictionary.Parse(new StringReader("a 1\r\nb 5\na 1 #fairseq:overwrite\n▁c d 1"), "dict");
        Assert.Equal(4 + 4 + 6, d.Count);
        Assert.Equal(6, d.IndexOf("a"));          // the overwrite appends and takes over the name
        Assert.Equal(7, d.IndexOf("▁c d"));       // pieces may contain spaces: only the last one separates the count
        Assert.Equal(8, d.Mask);
    }

    [Theory]
    [InlineData("a 1\n\nb 1", "dict:2")]
    [InlineData("a one", "dict:1")]
    [InlineData("a 1\na 2", "duplicate word 'a'")]
    public void Parse_BadLines_NameFileAndLine(string text, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => FairseqDictionary.Parse(new StringReader(text), "dict"));
        Assert.Contains(expected, error.Message);
    }
}
