using KosmosG.Pipelines;
using KosmosG.Runtime;
using KosmosG.Training.Demo;
using KosmosG.Training.Loop;

const string Usage = """
    kosmosg-train-demo: train the demo model from nothing on the shapes world (docs: README "Demo model")

    usage: kosmosg-train-demo [--out DIR] [--work DIR] [--configs DIR] [--quick] [--threads N]
           kosmosg-train-demo --adapters decoder|canny|large|all [--out DIR] [--work DIR] [--threads N]

      --out DIR       the model folder to write (default models/demo)
      --work DIR      data, stage outputs and checkpoints (default work/demo); a stopped build continues from here
      --configs DIR   model sizes per component (default configs/demo)
      --quick         a few steps per stage (checks the recipe end to end in a minute; the model is not useful)
      --threads N     intra-op threads (default: all cores)
      --adapters WHICH  instead of the model: fine-tune the VAE decoder of the model in --out to shapes at any place and
                      size, and/or train the demo ControlNet canny and LoRA large against it (written to its sd/vae/,
                      controlnets/canny/ and loras/large.safetensors; work folder default work/demo-adapters)
    """;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Usage);
    return 0;
}
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    Console.Error.WriteLine("Ctrl-C: stopping after the current update (training stages save a checkpoint; run the same command to continue)");
    cancel.Cancel();
};
return ConsoleCommand.Run(Usage, () =>
{
    try
    {
        var cl = new CommandLine(args, ["--out", "--work", "--configs", "--threads", "--adapters"], ["--quick"]);
        TorchProcess.Prepare();
        if (cl.String("--threads") is not null) TorchSharp.torch.set_num_threads(cl.Int("--threads", 1, min: 1));
        if (cl.String("--adapters") is not null)
        {
            var which = cl.Choice("--adapters", "all", "decoder", "canny", "large", "all");
            var adapters = new DemoAdapters(cl.String("--out") ?? "models/demo", cl.String("--work") ?? "work/demo-adapters", Console.Out);
            foreach (var (name, build) in new (string, Func<CancellationToken, string>)[] { ("decoder", adapters.BuildDecoder), ("canny", adapters.BuildCanny), ("large", adapters.BuildLarge) })
            {
                if (which != "all" && which != name) continue;
                var began = DateTime.UtcNow;
                // Like the model build: a libtorch error (TorchSharp's Scalar race) reruns the run from its last checkpoint.
                var written = NativeErrorRetry.Run(() => build(cancel.Token), NativeErrorRetry.DefaultAttempts, Console.Out, cancel.Token);
                Console.WriteLine($"{name} written to {written} in {(DateTime.UtcNow - began).TotalMinutes:F1} min");
            }
            return 0;
        }
        var recipe = cl.Switch("--quick") ? DemoRecipe.Quick : DemoRecipe.Full;
        var configs = cl.String("--configs") ?? "configs/demo";
        if (!File.Exists(Path.Combine(configs, "kosmosg.json")))
            throw new UsageException($"no model configs in '{configs}' (expected kosmosg.json and sd/): run from the repository root or pass --configs");
        var builder = new DemoBuilder(recipe, cl.String("--work") ?? "work/demo", configs, ComputeOptions.Cpu, Console.Out);
        var started = DateTime.UtcNow;
        var output = builder.Build(cl.String("--out") ?? "models/demo", cancel.Token);
        Console.WriteLine($"demo model written to {output} in {(DateTime.UtcNow - started).TotalMinutes:F1} min");
        return 0;
    }
    catch (OperationCanceledException e)
    {
        Console.Error.WriteLine($"stopped: {e.Message}");
        return 130;
    }
});
