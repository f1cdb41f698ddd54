using System.Text.Json;
using KosmosG.ToyWorld;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace KosmosG.Tests.ToyWorld;

public sealed class ToyDatasetWriterTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("toyworld-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static List<JsonElement> ReadManifest(string path)
    {
        var text = File.ReadAllText(path);
        Assert.DoesNotContain("\r", text);
        Assert.EndsWith("\n", text);
        return text.TrimEnd('\n').Split('\n').Select(line => JsonDocument.Parse(line).RootElement).ToList();
    }

    private static byte[] DecodePng(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    [Fact]
    public void WritesScenesWithCaptionsAndLosslessPngs()
    {
        var scenes = ToyWorldSets.SceneSamples(40, seed: 2);
        var manifest = Path.Combine(root, "stage0", "train.jsonl");
        ToyDatasetWriter.WriteScenes(manifest, scenes);
        var records = ReadManifest(manifest);
        Assert.Equal(40, records.Count);
        for (int i = 0; i < scenes.Count; i++)
        {
            Assert.Equal(["caption", "image"], records[i].EnumerateObject().Select(p => p.Name));
            Assert.Equal(ToyCaptions.Caption(scenes[i]), records[i].GetProperty("caption").GetString());
            var image = records[i].GetProperty("image").GetString()!;
            Assert.Equal($"scenes/{scenes[i].Key}.png", image);
            Assert.Equal(ToyRenderer.Render(scenes[i]).Pixels, DecodePng(Path.Combine(root, "stage0", image)));
        }
        Assert.Equal(scenes.Distinct().Count(), Directory.GetFiles(Path.Combine(root, "stage0", "scenes")).Length);
    }

    [Fact]
    public void WritesCaptions()
    {
        var manifest = Path.Combine(root, "captions.jsonl");
        ToyDatasetWriter.WriteCaptions(manifest, ToyWorldSets.CaptionSamples(10, seed: 1));
        Assert.Equal(ToyWorldSets.CaptionSamples(10, seed: 1),
            ReadManifest(manifest).Select(r => Assert.Single(r.EnumerateObject(), p => p.Name == "caption").Value.GetString()));
    }

    [Fact]
    public void WritesCompositionsWithSubjectImagesInCaptionOrder()
    {
        var compositions = ToyWorldSets.Compositions(30, seed: 4);
        var manifest = Path.Combine(root, "stage3.jsonl");
        ToyDatasetWriter.WriteCompositions(manifest, compositions);
        var records = ReadManifest(manifest);
        for (int i = 0; i < compositions.Count; i++)
        {
            var prompt = ToyCaptions.Interleaved(compositions[i]);
            Assert.Equal(ToyCaptions.Caption(compositions[i].Scene), records[i].GetProperty("caption").GetString());
            var entities = records[i].GetProperty("entities").EnumerateArray().ToList();
            Assert.Equal(prompt.Subjects.Select(s => $"a {s.Color.Name} {s.Shape.Name}"), entities.Select(e => e.GetProperty("text").GetString()));
            var images = entities.Select(e => e.GetProperty("image").GetString()!).ToList();
            Assert.Equal(prompt.Subjects.Select(s => $"subjects/{s.Key}.png"), images);
            for (int k = 0; k < images.Count; k++)
                Assert.Equal(prompt.Images[k].Pixels, DecodePng(Path.Combine(root, images[k])));
            var target = records[i].GetProperty("target").GetString()!;
            Assert.Equal(ToyRenderer.Render(compositions[i].Scene).Pixels, DecodePng(Path.Combine(root, target)));
        }
    }
}
