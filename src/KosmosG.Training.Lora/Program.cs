using KosmosG.Training.Adapters;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Loop;
using static TorchSharp.torch;

return TrainerHost.Main(args, "kosmosg-train-lora",
    "trains a LoRA on the frozen U-Net of an SD v1.x or KOSMOS-G model with the denoising loss",
    AdapterCommandLine.Usage + """
          --rank N             LoRA rank r (default 4)
          --alpha X            LoRA alpha; the update is scaled by alpha / r (default: r)
          --conv               also train LoRAs on the block convolutions (kohya's LoCon), not only the attention projections
          --no-cross-kv        leave the cross-attention to_k/to_v out (they read only the prompt: a style that changes
                               size or layout but must keep colours and shapes trains without them)
          --format kohya|diffusers|both  what each checkpoint writes: NAME.safetensors (kohya-ss keys) and/or
                               pytorch_lora_weights.safetensors (diffusers/PEFT keys) (default both)
          --name NAME          file name of the kohya file (default lora): copy it to MODEL/loras/ and use --lora NAME
    """,
    [.. AdapterCommandLine.ValueFlags, "--rank", "--alpha", "--format", "--name"], [.. AdapterCommandLine.Switches, "--conv", "--no-cross-kv"],
    (cl, options, stop) =>
    {
        manual_seed(options.Seed);
        var rank = cl.Int("--rank", 4, min: 1);
        var alpha = cl.Double("--alpha", rank, min: 1e-6);
        var format = cl.Choice("--format", "both", "kohya", "diffusers", "both");
        var name = cl.String("--name") ?? "lora";
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0) throw new UsageException($"--name '{name}' is not a file name");
        var dtype = AdapterCommandLine.SaveDType(cl);
        var model = cl.Required("--model");
        var train = AdapterExample.ReadManifest(options.DataManifest, control: false);
        var val = TrainerHost.ReadOptional(options.ValidationManifest, p => AdapterExample.ReadManifest(p, control: false));
        using var objective = new LoraObjective(FrozenDiffusion.Load(model, options.Compute, AdapterCommandLine.Settings(cl)), options.Compute,
            AdapterCommandLine.Settings(cl), rank, alpha, cl.Switch("--conv"), options.Seed, crossKeyValue: !cl.Switch("--no-cross-kv"));
        var content = new AdapterCheckpointContent((folder, masters) =>
        {
            if (format != "diffusers") objective.Lora.SaveKohya(Path.Combine(folder, name + ".safetensors"), masters, dtype);
            if (format != "kohya") objective.Lora.SaveDiffusers(Path.Combine(folder, "pytorch_lora_weights.safetensors"), masters, dtype);
        });
        Console.WriteLine($"LoRA rank {rank} alpha {alpha}: {train.Count} examples at {objective.Resolution}px, {objective.Trainable.Count / 2} layers " +
                          $"({objective.Trainable.Sum(p => p.Parameter.numel()):N0} parameters), {options.Compute.Device} {options.Compute.DTypeName}");
        return new TrainingRunner<AdapterExample, AdapterBatch>(options, objective, train, val, content, Console.Out).Run(stop);
    });
