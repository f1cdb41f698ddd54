using KosmosG.Training.Alignment;
using KosmosG.Training.Data;
using KosmosG.Training.Loop;
using static TorchSharp.torch;

return TrainerHost.Main(args, "kosmosg-train-align",
    "KOSMOS-G stage 2: align AlignerNet (M + N) to the frozen SD CLIP text encoder on captions ({\"caption\": ...} per line)",
    """
      stage 2:
          --sd DIR             diffusers folder holding text_encoder/ and tokenizer/ (the SD v1.5 CLIP text encoder the
                               AlignerNet is aligned to); default: the model folder's sd/
          --reinit-aligner     start AlignerNet M and N from a fresh initialisation (the official stage 2 starts from a
                               Kosmos-1 MLLM without AlignerNet); AlignerNet tensors missing from the model are fresh anyway
    """,
    ["--sd"], ["--reinit-aligner"],
    (cl, options, folder, stop) =>
    {
        manual_seed(options.Seed);
        var train = CaptionExample.ReadManifest(options.DataManifest);
        var val = TrainerHost.ReadOptional(options.ValidationManifest, CaptionExample.ReadManifest);
        using var objective = AlignmentObjective.Load(folder.Root, cl.String("--sd") ?? folder.StableDiffusionDir, options.Compute,
            cl.Switch("--reinit-aligner") && options.Resume is null, Console.Out);
        Console.WriteLine($"stage 2: {train.Count} captions, {objective.Trainable.Count} trainable tensors " +
                          $"({objective.Trainable.Sum(p => p.Parameter.numel()):N0} parameters), {options.Compute.Device} {options.Compute.DTypeName}");
        return new TrainingRunner<CaptionExample, CaptionBatch>(options, objective, train, val, folder, Console.Out).Run(stop);
    });
