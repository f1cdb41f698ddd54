using KosmosG.Models.Kosmos;
using KosmosG.Training.Data;
using KosmosG.Training.Language;
using KosmosG.Training.Loop;
using KosmosG.Training.Vocabulary;

namespace KosmosG.Training.Lm;

/// <summary><c>kosmosg-train-lm init</c>: creates the randomly initialised model folder stage 1 starts from.</summary>
static class InitCommand
{
    const string Name = "kosmosg-train-lm init";

    const string Usage = $"""
        {Name}: create a randomly initialised KOSMOS-G model folder (stage 1 trains from nothing)

        usage: {Name} --config FILE --sd DIR --out DIR [--captions FILE] [--toyworld] [--seed N]

          --config FILE      KOSMOS-G config.json giving the model sizes (its vocabulary keys are replaced)
          --sd DIR           diffusers folder linked as the model's sd/ (e.g. the stage-0 text-to-image stand-in)
          --out DIR          the model folder to create (must not exist or be empty)
          --captions FILE    JSONL manifest whose "caption" fields give the vocabulary words (e.g. the stage-1 data)
          --toyworld         add every word of the shapes world's captions
          --seed N           initialisation seed (default 0)
        (at least one of --captions and --toyworld)
        """;

    public static int Run(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        return ConsoleCommand.Run(Usage, () =>
        {
            var cl = new CommandLine(args, ["--config", "--sd", "--out", "--captions", "--seed"], ["--toyworld"]);
            var sizes = KosmosGConfig.Load(cl.Required("--config"));
            var sd = cl.Required("--sd");
            var output = cl.Required("--out");
            var seed = cl.Int("--seed", 0, min: 0);
            var texts = new List<string>();
            if (cl.String("--captions") is { } manifest) texts.AddRange(LmExample.ReadManifest(manifest).Select(e => e.Caption));
            if (cl.Switch("--toyworld")) texts.AddRange(WordList.ToyWorldCaptions());
            if (texts.Count == 0) throw new UsageException("give --captions FILE and/or --toyworld: the vocabulary needs words");
            var words = WordList.FromTexts(texts);
            var folder = InitialModelFolder.Create(output, sizes, words, sd, seed);
            var config = KosmosGConfig.Load(folder.ConfigPath);
            Console.WriteLine($"created {folder.Root}: {words.Count} words, vocab_size {config.VocabSize}, " +
                              $"MLLM {config.DecoderLayers} x {config.DecoderEmbedDim}, seed {seed}");
            return 0;
        });
    }
}
