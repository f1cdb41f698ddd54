using System.Text.Json.Nodes;
using KosmosG.Conversion;
using static TorchSharp.torch;

namespace KosmosG.Cli.Tests;

/// <summary>
/// The tiny KOSMOS-G fixture converted to model folders, once per test class: <see cref="Converted"/> as `convert`
/// writes it (sd/ holds the U-Net, VAE and scheduler), and <see cref="WithTextEncoder"/>, whose sd/ also holds the tiny
/// SD pipeline's CLIP text encoder and tokenizer, so sd/ is a whole text-to-image model like a stage-0 demo model.
/// </summary>
public sealed class TinyKosmosGFolders : IDisposable
{
    readonly TempDir _dir = new();

    public TinyKosmosGFolders()
    {
        var tiny = Fixtures.KosmosGTiny;
        KosmosGConverter.Convert(new ConvertOptions(Path.Combine(tiny, "checkpoint.pt"), Path.Combine(tiny, "config.json"),
            Path.Combine(tiny, "sentencepiece.bpe.model"), Path.Combine(tiny, "dict.txt"), Fixtures.Sd15TinyPipeline, Converted, ScalarType.Float32));

        CopyTree(Converted, WithTextEncoder);
        var sd = Path.Combine(WithTextEncoder, "sd");
        var indexPath = Path.Combine(sd, "model_index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject();
        var source = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Sd15TinyPipeline, "model_index.json")))!.AsObject();
        foreach (var component in new[] { "text_encoder", "tokenizer" })
        {
            CopyTree(Path.Combine(Fixtures.Sd15TinyPipeline, component), Path.Combine(sd, component));
            index[component] = source[component]!.DeepClone();
        }
        File.WriteAllText(indexPath, index.ToJsonString());
    }

    public string Converted => _dir["converted"];
    public string WithTextEncoder => _dir["stage0"];

    internal static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    public void Dispose() => _dir.Dispose();
}
