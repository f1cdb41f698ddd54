using System.Text.RegularExpressions;
using KosmosG.Cli.Commands;
using static TorchSharp.torch;

namespace KosmosG.Cli.Tests;

/// <summary>The bench commands on the tiny fixtures: what they print and how they refuse bad input (never their timings).</summary>
public class BenchTests
{
    static readonly Regex OfPeak = new(@"\d+\.\d GFLOP/s = \d+% of peak \(by CPU time \d+\.\d GFLOP/s = \d+% of the peak's\)", RegexOptions.Compiled);
    static string Tiny(string component) => Path.Combine(Fixtures.Sd15TinyPipeline, component, "config.json");

    /// <summary>A --profile row: type, [calls,] self ms, self CPU ms, share of the CPU time (the glue's may be slightly negative).</summary>
    static string ProfileRow(string type) => @"\n  " + Regex.Escape(type) + @" +(\d+ +)?-?\d+\.\d +-?\d+\.\d +-?\d+\.\d%";

    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public void PeakPrintsTheBestShapeAndEveryShapeItTried(string dtype)
    {
        var (code, output, error) = CliRunner.Run("bench", "peak", "--dtype", dtype);
        Assert.True(code == 0, error);
        var peak = Regex.Match(output, @"^peak: (\d+\.\d) GFLOP/s " + dtype + @" \((.+)\), measured in this run", RegexOptions.Multiline);
        Assert.True(peak.Success, output);
        var shapes = Regex.Matches(output, @"^  (gemm|conv3x3) .+? (\d+\.\d+) ms +(\d+\.\d) GFLOP/s  \(CPU time \d+\.\d+ ms: \d+\.\d GFLOP/s\)$", RegexOptions.Multiline);
        Assert.Equal(5, shapes.Count);
        Assert.Equal(shapes.Max(s => double.Parse(s.Groups[3].Value)), double.Parse(peak.Groups[1].Value));
        // The peak names a shape that reached exactly that rate (matched on the rate column: the digits may also occur
        // in another line's times, and two shapes may round to the same rate).
        Assert.Contains(shapes, s => s.Groups[3].Value == peak.Groups[1].Value && s.Value.Contains(peak.Groups[2].Value));
    }

    [Theory]
    [InlineData("fp32", 1e-4)]
    [InlineData("bf16", 5e-2)]
    public void UnetVerifyComparesTheStepWithFloat64(string dtype, double bound) =>
        AssertVerified(CliRunner.Run("bench", "unet", "--config", Tiny("unet"), "--latent", "8", "--runs", "1", "--warmup", "0", "--dtype", dtype, "--verify"), dtype, bound);

    [Theory]
    [InlineData("fp32", 1e-4)]
    [InlineData("bf16", 5e-2)]
    public void VaeVerifyComparesTheDecodeWithFloat64(string dtype, double bound) =>
        AssertVerified(CliRunner.Run("bench", "vae", "--config", Tiny("vae"), "--latent", "8", "--runs", "1", "--dtype", dtype, "--verify"), dtype, bound);

    [Fact]
    public void VerifyRefusesAResultBeyondItsDtypesBound()
    {
        using var expected = linspace(1, 2, 100, ScalarType.Float64);
        using var close = expected.mul(1 + 1e-6).to(ScalarType.Float32);
        using var off = expected.mul(1.01).to(ScalarType.Float32);
        Assert.True(BenchVerify.Report("step", close, expected, ScalarType.Float32));
        Assert.False(BenchVerify.Report("step", off, expected, ScalarType.Float32));
        Assert.True(BenchVerify.Report("step", off, expected, ScalarType.BFloat16));
    }

    static void AssertVerified((int ExitCode, string Output, string Error) run, string dtype, double bound)
    {
        var (code, output, error) = run;
        Assert.True(code == 0, error + output);
        var verify = Regex.Match(output, @"^verify: relative L2 error (\S+) against float64 .+: ok$", RegexOptions.Multiline);
        Assert.True(verify.Success, output);
        var relative = double.Parse(verify.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(relative, 0, bound);
        if (dtype == "bf16") Assert.True(relative > 1e-5, $"bf16 rounds its activations, so it cannot match float64 exactly: {relative}");
    }

    [Fact]
    public void UnetPrintsItsShareOfPeakAndAProfileByBlockType()
    {
        var (code, output, error) = CliRunner.Run("bench", "unet", "--config", Tiny("unet"), "--latent", "8", "--runs", "2", "--warmup", "0", "--profile");
        Assert.True(code == 0, error);
        Assert.Matches(@"step: median \d+\.\d ms \(min .+\) over 2 runs after 0 warm-up", output);
        Assert.Matches(OfPeak, output);
        foreach (var type in new[] { "ResnetBlock2D", "Attention", "GroupNorm", "Conv2d", "Upsample2D", "Downsample2D", "(between modules)" })
            Assert.Matches(ProfileRow(type), output);
    }

    [Fact]
    public void EncodeWithRandomWeightsPrintsItsShareOfPeakAndAProfileByModuleType()
    {
        var (code, output, error) = CliRunner.Run("bench", "encode", "--config", Path.Combine(Fixtures.KosmosGTiny, "config.json"), "--dtype", "fp32",
            "--runs", "1", "--profile");
        Assert.True(code == 0, error);
        Assert.Matches(@"condition encode of a \d+-token prompt with 2 images, plus the unconditional branch", output);
        Assert.Matches(@"work: \d+\.\d+ TFLOP per encode -> " + OfPeak, output);
        foreach (var type in new[] { "Linear", "MultiheadAttention", "LayerNorm", "ClipMlp", "FeedForwardNetwork", "SubLnTransformerLayer", "(between modules)" })
            Assert.Matches(ProfileRow(type), output);
    }

    [Fact]
    public void VaeCountsTheDecodersWorkAndPrintsItsShareOfPeak()
    {
        var (code, output, error) = CliRunner.Run("bench", "vae", "--config", Tiny("vae"), "--latent", "4", "--runs", "1");
        Assert.True(code == 0, error);
        Assert.Matches(@"latent 4x4 -> \d+x\d+, batch 1, fp32", output);
        var work = Regex.Match(output, @"work: (\d+\.\d+) TFLOP per decode -> " + OfPeak);
        Assert.True(work.Success, output);
    }

    [Theory]
    [InlineData("sd15")]
    [InlineData("kosmosg")]
    public void PipelineTimesEveryStage(string kind)
    {
        var args = new List<string> { "bench", "pipeline", "--kind", kind, "--sd-configs", Fixtures.Sd15TinyPipeline, "--size", "64", "--steps", "2", "--dtype", "fp32" };
        if (kind == "kosmosg") args.AddRange(["--kosmosg-config", Path.Combine(Fixtures.KosmosGTiny, "config.json")]);
        var (code, output, error) = CliRunner.Run([.. args]);
        Assert.True(code == 0, error);
        Assert.Contains($"pipeline: {kind}, 64x64, 2 DPM++ steps", output);
        foreach (var stage in new[] { "encode", "denoise", "decode" })
            Assert.Matches(@"(?m)^" + stage + @": +\d+\.\d ms .*" + OfPeak, output);
        Assert.Matches(@"(?m)^png: +\d+\.\d ms +\([\d,]+ bytes\)", output);
        Assert.Matches(@"(?m)^total: +\d+\.\d ms = \d+\.\d{3}x the U-Net time alone \(by CPU time \d+\.\d{3}x\); whole image " + OfPeak, output);
        Assert.Matches(@"(?m)^peak resident memory: \d+\.\d\d GB = \d+\.\d\dx the weights", output);
    }

    [Theory]
    [InlineData("bench", "peak", "--dtype", "int8")]
    [InlineData("bench", "peak", "--shapes", "3")]
    [InlineData("bench", "vae", "--config", "x.json", "--warmup", "0")]
    [InlineData("bench", "pipeline", "--kind", "dalle")]
    [InlineData("bench", "pipeline", "--sd-configs", "/nonexistent")]
    [InlineData("bench", "pipeline", "--size", "100")]
    [InlineData("bench", "unet", "--latent", "8")]
    [InlineData("bench", "encode", "--dtype", "bf16")]
    [InlineData("bench", "encode", "--config", "x.json", "--prompt", "<i> wearing <i>")]
    public void BadBenchCommandLinesAreUsageErrors(params string[] args)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
    }
}
