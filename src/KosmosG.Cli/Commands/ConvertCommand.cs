using KosmosG.Cli.Terminal;
using KosmosG.Conversion;
using KosmosG.Pipelines;

namespace KosmosG.Cli.Commands;

/// <summary>`kosmosg convert`: an official KOSMOS-G checkpoint to our model folder.</summary>
public static class ConvertCommand
{
    public const string Usage =
        "kosmosg convert --checkpoint FILE(.pt|.safetensors) [--config FILE.json] --spm FILE --dict FILE --sd DIR --out DIR\n" +
        "                [--dtype fp32|bf16|fp16]\n" +
        "  kosmosg convert --single-file FILE(.safetensors|.ckpt) [--model-config DIR] --out DIR [--dtype fp32|bf16|fp16]";

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, ["--checkpoint", "--config", "--spm", "--dict", "--sd", "--out", "--dtype", "--single-file", "--model-config"]);
        if (a.String("--single-file") is { } single) return ConvertSingleFile(a, ExistingFile("--single-file", single));
        var options = new ConvertOptions(
            RequiredFile(a, "--checkpoint"),
            a.String("--config") is { } config ? ExistingFile("--config", config) : null,
            RequiredFile(a, "--spm"),
            RequiredFile(a, "--dict"),
            a.Required("--sd"),
            a.Required("--out"),
            ComputeOptions.ParseDType(a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32"));
        var report = KosmosGConverter.Convert(options);
        Console.WriteLine($"wrote {options.OutputDir}: {report.Kept} tensors ({a.String("--dtype") ?? "fp32"})" +
                          (options.ConfigPath is null ? ", config: the kosmosg_xl preset" : ""));
        foreach (var (reason, keys) in report.DroppedByReason)
            Console.WriteLine($"dropped {keys.Count} key(s): {reason} (e.g. {keys[0]})");
        return 0;
    }

    /// <summary>A single-file SD v1.x checkpoint to a diffusers folder (architecture from --model-config, default configs/sd-v1-5).</summary>
    static int ConvertSingleFile(ArgParser a, string checkpoint)
    {
        var output = a.Required("--out");
        var config = a.String("--model-config") ?? BuiltInModel.LocateSingleFileConfig()
            ?? throw new UsageException($"--model-config is required: {BuiltInModel.SingleFileConfigRelativePath} was not found");
        var dtype = a.Choice("--dtype", ComputeOptions.DTypeNames) ?? "fp32";
        var written = SingleFileConverter.Convert(checkpoint, config, output, ComputeOptions.ParseDType(dtype));
        Console.WriteLine($"wrote {output}: {string.Join(", ", written)} ({dtype})");
        return 0;
    }

    static string RequiredFile(ArgParser a, string flag) => ExistingFile(flag, a.Required(flag));

    static string ExistingFile(string flag, string path) =>
        File.Exists(path) ? path : throw new UsageException($"{flag} file not found: {path}");
}
