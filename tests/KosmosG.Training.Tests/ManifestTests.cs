using KosmosG.Training.Data;

namespace KosmosG.Tests.Training;

public sealed class ManifestTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("kosmosg-manifest-").FullName;

    string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    void Touch(params string[] files)
    {
        foreach (var f in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_dir, f))!);
            File.WriteAllBytes(Path.Combine(_dir, f), [1]);
        }
    }

    [Fact]
    public void CaptionManifestReadsLinesSkippingBlanksAndComments()
    {
        var path = Write("c.jsonl", "{\"caption\": \"a cat\"}", "", "# comment", "{\"caption\": \"two dogs\", \"extra\": 1}");
        var items = CaptionExample.ReadManifest(path);
        Assert.Equal(["a cat", "two dogs"], items.Select(i => i.Caption));
        Assert.Equal([1, 4], items.Select(i => i.Line));
    }

    [Theory]
    [InlineData("{\"caption\": \"a cat\"", "c.jsonl:2: invalid JSON")]
    [InlineData("[1, 2]", "c.jsonl:2: expected a JSON object")]
    [InlineData("{\"text\": \"a cat\"}", "c.jsonl:2: missing required field \"caption\"")]
    [InlineData("{\"caption\": 3}", "c.jsonl:2: field \"caption\" must be a string")]
    [InlineData("{\"caption\": \"  \"}", "c.jsonl:2: field \"caption\" is empty")]
    public void CorruptCaptionLineIsNamed(string bad, string expected)
    {
        var path = Write("c.jsonl", "{\"caption\": \"fine\"}", bad, "{\"caption\": \"fine too\"}");
        var e = Assert.Throws<InvalidDataException>(() => CaptionExample.ReadManifest(path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void EmptyManifestIsAnError()
    {
        var e = Assert.Throws<InvalidDataException>(() => CaptionExample.ReadManifest(Write("e.jsonl", "", "# nothing")));
        Assert.Contains("no examples", e.Message);
    }

    [Fact]
    public void InstructManifestParsesEveryKindWithPathsRelativeToTheManifest()
    {
        Touch("img/t.png", "img/dog.png", "img/cat.png", "img/src.png");
        var path = Write("m.jsonl",
            "{\"caption\": \"a red barn\", \"target\": \"img/t.png\"}",
            "{\"caption\": \"a dog and a cat on grass\", \"entities\": [{\"text\": \"dog\", \"image\": \"img/dog.png\"}, {\"text\": \"Cat\", \"image\": \"img/cat.png\"}], \"target\": \"img/t.png\"}",
            "{\"prompt\": \"<i> in the style of <i>\", \"images\": [\"img/dog.png\", \"img/cat.png\"], \"target\": \"img/t.png\"}",
            "{\"source\": \"img/src.png\", \"instruction\": \"make it snow\", \"caption\": \"a barn\", \"target\": \"img/t.png\"}");
        var items = InstructExample.ReadManifest(path);
        Assert.Equal([InstructKind.Caption, InstructKind.Composition, InstructKind.Prompt, InstructKind.Edit], items.Select(i => i.Kind));
        Assert.Equal(Path.Combine(_dir, "img", "t.png"), items[0].TargetPath);
        Assert.Equal([(2, 5), (12, 15)], items[1].Entities.Select(e => (e.Start, e.End)));

        var rng = new Random(1);
        Assert.Equal("a red barn", items[0].Realize(rng, 0.5, 0.5).Prompt);
        Assert.Equal("a  <i>  and a  <i>  on grass", items[1].Realize(rng, 1, 0).Prompt);
        Assert.Equal("a dog <i>  and a cat <i>  on grass", items[1].Realize(rng, 0, 0).Prompt);
        var (prompt, images) = items[3].Realize(rng, 0, 1);
        Assert.Equal("<i> make it snow", prompt);
        Assert.Equal([Path.Combine(_dir, "img", "src.png")], images);
        Assert.Equal("a barn <i> make it snow", items[3].Realize(rng, 0, 0).Prompt);
    }

    [Theory]
    [InlineData("{\"caption\": \"x\", \"target\": \"missing.png\"}", "m.jsonl:3: \"target\": file not found: missing.png")]
    [InlineData("{\"caption\": \"a dog\", \"entities\": [{\"text\": \"cat\", \"image\": \"t.png\"}], \"target\": \"t.png\"}", "m.jsonl:3: entities[0] text \"cat\" does not occur")]
    [InlineData("{\"caption\": \"a dog\", \"entities\": [{\"image\": \"t.png\"}], \"target\": \"t.png\"}", "m.jsonl:3: entities[0] needs a non-empty string \"text\"")]
    [InlineData("{\"prompt\": \"<i> and <i>\", \"images\": [\"t.png\"], \"target\": \"t.png\"}", "m.jsonl:3: the prompt has 2 <i> marker(s) but \"images\" lists 1")]
    [InlineData("{\"instruction\": \"snow\", \"target\": \"t.png\"}", "m.jsonl:3: missing required field \"source\"")]
    [InlineData("{\"instruction\": \"snow\", \"prompt\": \"<i>\", \"target\": \"t.png\"}", "m.jsonl:3: fields \"instruction\" and \"prompt\" cannot be combined")]
    [InlineData("{\"caption\": \"a <i>\", \"target\": \"t.png\"}", "m.jsonl:3: a caption cannot hold <i>")]
    public void CorruptInstructLineIsNamed(string bad, string expected)
    {
        Touch("t.png");
        var good = "{\"caption\": \"fine\", \"target\": \"t.png\"}";
        var e = Assert.Throws<InvalidDataException>(() => InstructExample.ReadManifest(Write("m.jsonl", good, good, bad)));
        Assert.Contains(expected, e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
