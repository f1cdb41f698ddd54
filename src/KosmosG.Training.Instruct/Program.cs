using KosmosG.Training.Data;
using KosmosG.Training.Instruct;
using KosmosG.Training.Loop;
using static TorchSharp.torch;

return TrainerHost.Main(args, "kosmosg-train-instruct",
    "KOSMOS-G stage 3: instruction tuning through the frozen SD U-Net on captions, compositions and edits",
    """
      stage 3:
          --sd DIR               diffusers folder with unet/, vae/, scheduler/ (default: the model folder's sd/)
          --cfg-dropout P        probability of training on the unconditional condition (default 0.1, official)
          --drop-caption P       edits: probability of dropping the input caption (default 0.5, official)
          --drop-entity-word P   compositions: probability of replacing an entity's words by its image (default 0.5)
          --resolution N         target image side (default: U-Net sample size x 8, i.e. 512 for SD v1.5)
          --caption-alignment W  add W x MSE(condition, SD text encoder output of the target caption) for captions and
                                 compositions (default 0, official: the diffusion loss alone)
          --vision-blocks N      train the vision tower's last N blocks and ln_post (default 1, official; 0 freezes it)
    """,
    ["--sd", "--cfg-dropout", "--drop-caption", "--drop-entity-word", "--resolution", "--caption-alignment", "--vision-blocks"], [],
    (cl, options, folder, stop) =>
    {
        manual_seed(options.Seed);
        var settings = new InstructSettings
        {
            ConditionDropout = cl.Double("--cfg-dropout", 0.1, 0, 1),
            DropCaption = cl.Double("--drop-caption", 0.5, 0, 1),
            DropEntityWord = cl.Double("--drop-entity-word", 0.5, 0, 1),
            Resolution = cl.String("--resolution") is null ? null : cl.Int("--resolution", 512, min: 8),
            CaptionAlignment = cl.Double("--caption-alignment", 0, 0, 1000),
            TrainedVisionBlocks = cl.Int("--vision-blocks", 1, min: 0),
        };
        var train = InstructExample.ReadManifest(options.DataManifest);
        var val = TrainerHost.ReadOptional(options.ValidationManifest, InstructExample.ReadManifest);
        using var objective = InstructObjective.Load(folder.Root, cl.String("--sd") ?? folder.StableDiffusionDir, options.Compute, settings);
        Console.WriteLine($"stage 3: {train.Count} examples at {objective.Resolution}px, {objective.Trainable.Count} trainable tensors " +
                          $"({objective.Trainable.Sum(p => p.Parameter.numel()):N0} parameters), {options.Compute.Device} {options.Compute.DTypeName}");
        return new TrainingRunner<InstructExample, InstructBatch>(options, objective, train, val, folder, Console.Out).Run(stop);
    });
