using KosmosG.Pipelines;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Data;

namespace KosmosG.Training.Loop;

/// <summary>
/// What both trainer executables share: flag parsing (usage errors exit 2), Ctrl-C handling (the first press asks
/// the loop to save a checkpoint and stop, a second one kills the process), the folder the model loads from
/// (the start model, or the checkpoint to resume) and error reporting (exit 1).
/// </summary>
public static class TrainerHost
{
    public delegate TrainingResult StageRunner(CommandLine commandLine, TrainingOptions options, KosmosGModelFolder modelFolder, CancellationToken stop);

    /// <summary>Runs on the folder the model loads from (the start model, or the checkpoint to resume).</summary>
    public static int Main(string[] args, string name, string description, string stageUsage,
        IReadOnlyCollection<string> stageValueFlags, IReadOnlyCollection<string> stageSwitches, StageRunner run) =>
        Main(args, name, description, stageUsage, stageValueFlags, stageSwitches, (commandLine, options, stop) =>
            run(commandLine, options, KosmosGModelFolder.Open(options.Resume is null ? options.ModelDir : CheckpointStore.ResolveResume(options.Resume)), stop));

    /// <summary>Adapter trainers: the base model is always --model; a resume only restores the adapter.</summary>
    public static int Main(string[] args, string name, string description, string stageUsage,
        IReadOnlyCollection<string> stageValueFlags, IReadOnlyCollection<string> stageSwitches,
        Func<CommandLine, TrainingOptions, CancellationToken, TrainingResult> run)
    {
        var usage = $"{name}: {description}\n\nusage: {name} --model DIR --data FILE --out DIR --steps N --batch-size N [options]\n\n" +
                    TrainingOptions.Usage + "\n\n" + stageUsage.Trim('\n');
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(usage);
            return 0;
        }
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler handler = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return; // second Ctrl-C: default handling ends the process
            e.Cancel = true;
            Console.Error.WriteLine("Ctrl-C: finishing the current update and saving a checkpoint (press again to abort without saving)");
            cancel.Cancel();
        };
        Console.CancelKeyPress += handler;
        try
        {
            return ConsoleCommand.Run(usage, () =>
            {
                var commandLine = new CommandLine(args, [.. TrainingOptions.ValueFlags, .. stageValueFlags], [.. TrainingOptions.Switches, .. stageSwitches]);
                var options = TrainingOptions.Parse(commandLine);
                if (options.Compute.DType == TorchSharp.torch.ScalarType.Float16 && options.Compute.Device.type == TorchSharp.DeviceType.CPU)
                    Console.Error.WriteLine("warning: fp16 on the CPU is very slow (libtorch has few fp16 CPU kernels; U-Net steps can take minutes): use --dtype bf16 there");
                // A libtorch error (TorchSharp's Scalar race) reruns the run from the last checkpoint it wrote.
                var latestAtStart = CheckpointStore.Latest(options.OutputDir);
                var result = NativeErrorRetry.Run(() => run(commandLine, ResumingFromNewer(options, latestAtStart), cancel.Token),
                    NativeErrorRetry.DefaultAttempts, Console.Error, cancel.Token);
                Console.WriteLine(result.Interrupted
                    ? $"stopped at step {result.Step}; resume with --resume {result.LastCheckpoint}"
                    : $"done: {result.Step} updates, loss {result.FirstLoss:0.#####} -> {result.LastLoss:0.#####}; model folder {result.LastCheckpoint}");
                return result.Interrupted ? 130 : 0;
            });
        }
        finally
        {
            Console.CancelKeyPress -= handler;
        }
    }

    /// <summary>The options to continue a run: from its output folder once the run has written a checkpoint there (one
    /// other than <paramref name="latestAtStart"/>, which a previous run left); until then the options as given.</summary>
    static TrainingOptions ResumingFromNewer(TrainingOptions options, string? latestAtStart) =>
        CheckpointStore.Latest(options.OutputDir) is { } latest && latest != latestAtStart ? options with { Resume = options.OutputDir } : options;

    /// <summary>Reads a manifest or returns null when no path is given.</summary>
    public static IReadOnlyList<T>? ReadOptional<T>(string? path, Func<string, IReadOnlyList<T>> read) => path is null ? null : read(path);
}
