using KosmosG.Imaging;
using KosmosG.ToyWorld;

namespace KosmosG.Cli.Tests;

/// <summary>With no --model the CLI uses the demo model shipped in the repository (models/demo).</summary>
public class DemoModelTests
{
    [Fact]
    public void GenerateWithoutAModelDrawsTheSubjectWhereThePromptSays()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["red-circle.png"], PngEncoder.Encode(ToyRenderer.RenderSubject(ToyColor.Red, ToyShape.Circle)));

        var (code, output, error) = CliRunner.Run("generate", "--prompt", "<i> on the left on a black background",
            "--image", dir["red-circle.png"], "--seed", "1", "--out", dir["out.png"]);

        Assert.True(code == 0, error);
        Assert.Contains("seed 1", output);
        var image = new ImageDecoder().Decode(File.ReadAllBytes(dir["out.png"]));
        var judged = ToyJudge.Judge(image, new ToyComposition(
            new ToyScene(ToyBackground.Black, new ToyObject(ToyColor.Red, ToyShape.Circle, ToyPosition.Left)), firstIsImage: true));
        Assert.True(judged.SubjectFidelity == 1 && judged.TextFidelity == 1, $"judged {judged}");
    }
}
