using KosmosG.Training.Data;
using KosmosG.Training.Language;
using KosmosG.Training.Lm;
using KosmosG.Training.Loop;
using static TorchSharp.torch;

if (args.Length > 0 && args[0] == "init") return InitCommand.Run(args[1..]);

return TrainerHost.Main(args, "kosmosg-train-lm",
    "KOSMOS-G stage 1: multimodal language modelling on image-caption pairs ({\"caption\", \"image\"} per line) and plain " +
    "captions ({\"caption\"}); create the start model with 'kosmosg-train-lm init' (see 'kosmosg-train-lm init --help')",
    """

      stage 1: trains the vision tower, connector and MLLM (the AlignerNet is frozen); loss = next-token cross-entropy
               on the caption tokens and </s> of "<s> <image> [image slots] </image> caption </s>"; logs token_accuracy
    """,
    [], [],
    (cl, options, folder, stop) =>
    {
        manual_seed(options.Seed);
        var train = LmExample.ReadManifest(options.DataManifest);
        var val = TrainerHost.ReadOptional(options.ValidationManifest, LmExample.ReadManifest);
        using var objective = LmObjective.Load(folder.Root, options.Compute);
        Console.WriteLine($"stage 1: {train.Count} examples ({train.Count(e => e.ImagePath is not null)} with an image), " +
                          $"{objective.Trainable.Count} trainable tensors ({objective.Trainable.Sum(p => p.Parameter.numel()):N0} parameters), " +
                          $"{options.Compute.Device} {options.Compute.DTypeName}");
        return new TrainingRunner<LmExample, LmBatch>(options, objective, train, val, folder, Console.Out).Run(stop);
    });
