using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using KosmosG.Tokenizers.SentencePiece;
using KosmosG.ToyWorld;
using KosmosG.Training.Data;
using KosmosG.Training.Demo;
using KosmosG.Training.Vocabulary;

namespace KosmosG.Tests.Training;

/// <summary>The demo's stage-3 records (caption + image-given entities), realized as the demo recipe trains on them,
/// are the world's interleaved prompts that <c>eval toy</c> and users send, token for token.</summary>
public sealed class ToyCompositionPromptTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("toy-compositions-").FullName;

    [Fact]
    public void DemoCompositionsRealizeToTheInterleavedPromptTokensAndImages()
    {
        KosmosGVocabulary.Write(_dir, WordList.FromTexts(WordList.ToyWorldCaptions()));
        var folder = new KosmosGModelFolder(_dir);
        var builder = new KosmosGPromptBuilder(SentencePieceModel.Load(folder.SentencePiecePath), FairseqDictionary.Load(folder.DictionaryPath), imageTokenLength: 4);
        var compositions = ToyWorldSets.Compositions(200, seed: 5);
        var manifest = Path.Combine(_dir, "compositions.jsonl");
        ToyDatasetWriter.WriteCompositions(manifest, compositions);
        var examples = InstructExample.ReadManifest(manifest);
        var dropWord = DemoRecipe.Full.InstructTuning.DropEntityWord;
        Assert.Equal(1, dropWord);
        Assert.Contains(compositions, c => c.ImageSubjects.Count == 2);

        for (var i = 0; i < compositions.Count; i++)
        {
            var expected = ToyCaptions.Interleaved(compositions[i]);
            var (prompt, images) = examples[i].Realize(new Random(i), dropWord, dropCaptionProb: 0.5);
            Assert.Equal(ToyCaptions.Caption(compositions[i].Scene), examples[i].TargetCaption);
            Assert.Equal(builder.Build(expected.Prompt, expected.Images.Count).Tokens, builder.Build(prompt, images.Count).Tokens);
            Assert.Equal(expected.Subjects.Select(s => $"{s.Key}.png"), images.Select(Path.GetFileName));
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
