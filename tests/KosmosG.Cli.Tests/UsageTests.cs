namespace KosmosG.Cli.Tests;

public class UsageTests
{
    [Theory]
    [InlineData("generate", "--model", "x", "--prompt", "p", "--out", "o.png", "--colour", "red")]
    [InlineData("generate", "--model", "x", "--prompt", "p", "--out", "o.png", "--steps", "many")]
    [InlineData("generate", "--model", "x", "--prompt", "p", "--out", "o.png", "--scheduler", "heun")]
    [InlineData("generate", "--model", "x", "--prompt", "p", "--out", "o.png", "--dtype", "int8")]
    [InlineData("generate", "--model", "x", "--out", "o.png")]
    [InlineData("generate", "--model", "x", "--prompt", "p", "--out")]
    [InlineData("generate", "--model", "x", "--prompt", "p", "--prompt", "q", "--out", "o.png")]
    [InlineData("convert", "--checkpoint", "missing.pt", "--spm", "a", "--dict", "b", "--sd", "c", "--out", "d")]
    [InlineData("bench", "vae")]
    [InlineData("bench", "stores", "--base", "http://127.0.0.1:9")]
    [InlineData("bench", "stores", "--base", "http://127.0.0.1:9", "--other", "http://127.0.0.1:9", "--pairs", "3")]
    [InlineData("paint")]
    public void BadCommandLinesAreUsageErrors(params string[] args)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains("usage:", error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("generate", "--help")]
    [InlineData("bench", "unet", "-h")]
    [InlineData("eval", "dreambench", "--help")]
    public void HelpPrintsTheUsageAndSucceeds(params string[] args)
    {
        var (code, output, error) = CliRunner.Run(args);
        Assert.Equal(0, code);
        Assert.Contains("kosmosg generate", output);
        Assert.Equal("", error);
    }

    [Fact]
    public void AMissingModelFolderIsAFailureWithAMessage()
    {
        using var dir = new TempDir();
        var (code, _, error) = CliRunner.Run("generate", "--model", dir["nope"], "--prompt", "p", "--out", dir["o.png"]);
        Assert.Equal(1, code);
        Assert.Contains("model folder not found", error);
    }
}
