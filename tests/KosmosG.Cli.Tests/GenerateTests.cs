using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Cli.Tests;

/// <summary>`generate` on the tiny fixtures, checked against the reference final latents (--latents / --save-latents).</summary>
public class GenerateTests
{
    [Theory]
    [InlineData("e2e_pndm", "pndm")]
    [InlineData("e2e_dpmpp_2m", "dpms")]
    [InlineData("e2e_euler_nocfg", "euler")]
    public void StableDiffusionFinalLatentsMatchDiffusers(string caseName, string scheduler)
    {
        using var dir = new TempDir();
        var expected = Fixtures.Sd15Case(caseName);
        SafeTensorsWriter.Save(dir["init.safetensors"], [new("latents", expected["latents"])]);
        var info = Fixtures.Sd15CaseInfo(caseName);
        var args = new List<string>
        {
            "generate", "--model", Fixtures.Sd15TinyPipeline, "--prompt", info.GetProperty("prompt").GetString()!,
            "--steps", info.GetProperty("num_inference_steps").GetInt32().ToString(),
            "--guidance", info.GetProperty("guidance_scale").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--scheduler", scheduler, "--width", "64", "--height", "64", "--seed", "1",
            "--latents", dir["init.safetensors"], "--save-latents", dir["final.safetensors"], "--out", dir["x.png"],
        };
        if (info.GetProperty("negative_prompt").GetString() is { } negative) args.AddRange(["--negative-prompt", negative]);

        var (code, output, error) = CliRunner.Run([.. args]);

        Assert.True(code == 0, error);
        Assert.Contains("seed 1", output);
        // cases.json: final_latents_atol 1e-3.
        TensorAssert.Close(expected["final_latents"], SafeTensorsFile.LoadAll(dir["final.safetensors"])["latents"], atol: 1e-3, what: $"{caseName} final latents");
        Assert.Equal(new long[] { 3, 64, 64 }, PngFiles.Pixels(File.ReadAllBytes(dir["x.png"])).shape);
    }

    [Fact]
    public void SeveralImagesAreNumberedAndCarryTheirSeeds()
    {
        using var dir = new TempDir();
        var (code, output, error) = CliRunner.Run("generate", "--model", Fixtures.Sd15TinyPipeline, "--prompt", "a red cube",
            "--steps", "2", "--n", "2", "--seed", "5", "--out", dir["cube.png"]);

        Assert.True(code == 0, error);
        Assert.Equal("5", PngFiles.Text(File.ReadAllBytes(dir["cube-0.png"]))["seed"]);
        Assert.Equal("6", PngFiles.Text(File.ReadAllBytes(dir["cube-1.png"]))["seed"]);
        Assert.False(File.Exists(dir["cube.png"]));
        Assert.Contains("cube-1.png  seed 6", output);
    }

    [Fact]
    public void ConvertThenGenerateReproducesTheOfficialConditionAndLatents()
    {
        using var dir = new TempDir();
        var tiny = Fixtures.KosmosGTiny;
        var (code, output, error) = CliRunner.Run("convert", "--checkpoint", Path.Combine(tiny, "checkpoint.pt"),
            "--config", Path.Combine(tiny, "config.json"), "--spm", Path.Combine(tiny, "sentencepiece.bpe.model"),
            "--dict", Path.Combine(tiny, "dict.txt"), "--sd", Fixtures.Sd15TinyPipeline, "--out", dir["model"]);
        Assert.True(code == 0, error);
        Assert.Contains("dropped", output);

        SafeTensorsWriter.Save(dir["init.safetensors"], [new("latents", KosmosGTinyCases.Tensor("e2e", "init_latents"))]);
        (code, _, error) = CliRunner.Run("generate", "--model", dir["model"], "--prompt", "<i> in the style of <i>",
            "--image", Path.Combine(tiny, "images", "img_a.png"), "--image", Path.Combine(tiny, "images", "img_b.png"),
            "--negative-prompt", "blurry, low quality", "--steps", "4", "--guidance", "6", "--n", "2", "--width", "64", "--height", "64",
            "--latents", dir["init.safetensors"], "--save-latents", dir["final.safetensors"], "--save-condition", dir["cond.safetensors"],
            "--out", dir["x.png"]);
        Assert.True(code == 0, error);

        // Fixture README: condition within 2e-5; final latents within 1e-3 relative to their std.
        var condition = SafeTensorsFile.LoadAll(dir["cond.safetensors"]);
        var official = KosmosGTinyCases.Tensor("e2e", "condition");
        TensorAssert.Close(official[2..], condition["condition"], atol: 2e-5, what: "condition");
        TensorAssert.Close(official[..1], condition["uncond"], atol: 2e-5, what: "uncond");
        var expected = KosmosGTinyCases.Tensor("e2e", "final_latents");
        TensorAssert.Close(expected, SafeTensorsFile.LoadAll(dir["final.safetensors"])["latents"], atol: 1e-3 * expected.std().item<float>(), what: "final latents");
        Assert.True(File.Exists(dir["x-0.png"]) && File.Exists(dir["x-1.png"]));
    }

    [Fact]
    public void TooFewImagesForTheMarkersIsAClearError()
    {
        using var dir = new TempDir();
        var (code, _, error) = CliRunner.Run("generate", "--model", Fixtures.Sd15TinyPipeline, "--prompt", "<i> on a beach", "--out", dir["x.png"]);
        Assert.Equal(1, code);
        Assert.Contains("text-only", error);
    }
}
