using KosmosG.Imaging;
using KosmosG.ToyWorld;

namespace KosmosG.Cli.Tests;

/// <summary>With no --model the CLI uses the demo model shipped in the repository (models/demo).</summary>
public class DemoModelTests
{
    [Fact]
    public void GenerateWithoutAModelUsesTheDemoModel()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["red-circle.png"], PngEncoder.Encode(ToyRenderer.RenderSubject(ToyColor.Red, ToyShape.Circle)));

        var (code, output, error) = CliRunner.Run("generate", "--prompt", "<i> on the left on a black background",
            "--image", dir["red-circle.png"], "--seed", "1", "--out", dir["out.png"]);

        Assert.True(code == 0, error);
        Assert.Contains("seed 1", output);
        var png = File.ReadAllBytes(dir["out.png"]);
        var image = new ImageDecoder().Decode(png);
        Assert.Equal((64, 64), (image.Width, image.Height)); // the size the demo U-Net was trained at
        Assert.Equal("demo", PngFiles.Text(png)["model"]);
    }
}
