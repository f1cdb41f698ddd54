using KosmosG.Cli.Commands;
using KosmosG.Cli.Terminal;
using KosmosG.Pipelines;

namespace KosmosG.Cli;

/// <summary>
/// The `kosmosg` command line: generate images, convert checkpoints, benchmark, evaluate on the shapes world.
/// Exit codes: 0 ok, 1 failure (message on stderr), 2 usage error, 130 interrupted.
/// </summary>
public static class CliApp
{
    public const string Usage = "usage:\n  " + GenerateCommand.Usage + "\n  " + ConvertCommand.Usage + "\n  " + PeakBenchCommand.Usage + "\n  " + BenchCommand.Usage + "\n  " + VaeBenchCommand.Usage + "\n  " + EncodeBenchCommand.Usage + "\n  " + PipelineBenchCommand.Usage + "\n  " + ServiceBenchCommand.Usage + "\n  " + StoreBenchCommand.Usage + "\n  " + ToyEvalCommand.Usage + "\n  " + DreamBenchEvalCommand.Usage;

    public static int Run(string[] args, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        // `kosmosg generate --help` asks for the usage, it is not an unknown flag.
        if (args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var rest = args[1..];
        try
        {
            return args[0] switch
            {
                "generate" => GenerateCommand.Run(rest, cancellationToken),
                "convert" => ConvertCommand.Run(rest),
                "bench" => BenchCommand.Run(rest),
                "eval" when rest.Length > 0 && rest[0] == "dreambench" => DreamBenchEvalCommand.Run(rest[1..], cancellationToken),
                "eval" => ToyEvalCommand.Run(rest, cancellationToken),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("\ninterrupted");
            return 130;
        }
        catch (Exception e) when (e is GenerationRequestException or IOException or InvalidDataException or ArgumentException
                                       or UnauthorizedAccessException or HttpRequestException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
