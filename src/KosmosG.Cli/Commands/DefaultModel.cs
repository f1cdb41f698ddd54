using KosmosG.Cli.Terminal;
using KosmosG.Pipelines;

namespace KosmosG.Cli.Commands;

/// <summary>The model used when --model is not given: the demo model shipped in the repository.</summary>
public static class DefaultModel
{
    public static string Path() =>
        BuiltInModel.Locate()
        ?? throw new UsageException($"--model is required: no built-in model found ({BuiltInModel.RelativePath} above the working directory or the kosmosg binary)");
}
