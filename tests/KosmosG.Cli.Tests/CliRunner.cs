namespace KosmosG.Cli.Tests;

/// <summary>Runs the CLI in-process and captures what it prints (the tests of this project share the console, so
/// they run in one collection).</summary>
public static class CliRunner
{
    static readonly object Gate = new();

    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        lock (Gate)
        {
            var (stdout, stderr) = (Console.Out, Console.Error);
            using var output = new StringWriter();
            using var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            try { return (CliApp.Run(args, CancellationToken.None), output.ToString(), error.ToString()); }
            finally
            {
                Console.SetOut(stdout);
                Console.SetError(stderr);
            }
        }
    }
}
