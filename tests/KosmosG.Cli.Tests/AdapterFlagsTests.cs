using KosmosG.Weights;

namespace KosmosG.Cli.Tests;

/// <summary>generate's ControlNet, LoRA, --condition and single-file flags; convert --single-file.</summary>
public class AdapterFlagsTests
{
    static string Extras(params string[] parts) => Path.Combine([Fixtures.Sd15Extras, .. parts]);

    [Fact]
    public void ControlNetWithAGivenConditionMatchesDiffusers()
    {
        // e2e_controlnet_prompt_embeds: prompt_embeds given directly (--condition), ControlNet on steps 0-2 of 5.
        using var dir = new TempDir();
        var expected = Fixtures.Sd15ExtrasCase("e2e_controlnet_prompt_embeds");
        SafeTensorsWriter.Save(dir["init.safetensors"], [new("latents", expected["latents"])]);
        SafeTensorsWriter.Save(dir["condition.safetensors"],
            [new("condition", expected["given_prompt_embeds"]), new("uncond", expected["given_negative_prompt_embeds"])]);
        var (code, _, error) = CliRunner.Run("generate", "--model", Fixtures.Sd15TinyPipeline, "--prompt", "", "--condition", dir["condition.safetensors"],
            "--steps", "5", "--guidance", "5", "--scheduler", "dpms", "--width", "64", "--height", "64",
            "--controlnet", Extras("controlnet"), "--control-image", Extras("control", "edges_a.png"), "--control-scale", "1", "--control-start", "0", "--control-end", "0.6",
            "--latents", dir["init.safetensors"], "--save-latents", dir["final.safetensors"], "--out", dir["x.png"]);
        Assert.True(code == 0, error);
        // cases.json: final_latents_atol 1e-3.
        TensorAssert.Close(expected["final_latents"], SafeTensorsFile.LoadAll(dir["final.safetensors"])["latents"], atol: 1e-3, what: "final latents");
    }

    [Fact]
    public void LoraFileWithScaleMatchesDiffusers()
    {
        using var dir = new TempDir();
        var expected = Fixtures.Sd15ExtrasCase("e2e_lora_kohya");
        SafeTensorsWriter.Save(dir["init.safetensors"], [new("latents", expected["latents"])]);
        var (code, _, error) = CliRunner.Run("generate", "--model", Fixtures.Sd15TinyPipeline, "--prompt", "portrait of a woman with long hair, studio lighting",
            "--negative-prompt", "blurry", "--steps", "4", "--guidance", "5", "--scheduler", "dpms", "--width", "64", "--height", "64",
            "--lora", Extras("lora", "kohya_locon_fp16.safetensors") + ":0.8",
            "--latents", dir["init.safetensors"], "--save-latents", dir["final.safetensors"], "--out", dir["x.png"]);
        Assert.True(code == 0, error);
        TensorAssert.Close(expected["final_latents"], SafeTensorsFile.LoadAll(dir["final.safetensors"])["latents"], atol: 1e-3, what: "final latents");
    }

    [Fact]
    public void SingleFileModelAndItsConvertedFolderDrawTheSameImage()
    {
        using var dir = new TempDir();
        var file = Extras("single_file", "sd15_tiny_fp16.ckpt");
        var (code, output, error) = CliRunner.Run("convert", "--single-file", file, "--model-config", Fixtures.Sd15TinyPipeline, "--out", dir["converted"]);
        Assert.True(code == 0, error);
        Assert.Contains("unet, vae, scheduler, text_encoder, tokenizer", output);
        string[] common = ["--prompt", "a red cube", "--steps", "2", "--seed", "3", "--width", "64", "--height", "64"];
        (code, _, error) = CliRunner.Run(["generate", "--model", file, "--model-config", Fixtures.Sd15TinyPipeline, .. common, "--out", dir["file.png"]]);
        Assert.True(code == 0, error);
        (code, _, error) = CliRunner.Run(["generate", "--model", dir["converted"], .. common, "--out", dir["folder.png"]]);
        Assert.True(code == 0, error);
        TensorAssert.Equal(PngFiles.Pixels(File.ReadAllBytes(dir["file.png"])), PngFiles.Pixels(File.ReadAllBytes(dir["folder.png"])), "image");
    }

    [Theory]
    [InlineData(2, "--controlnet", "controlnet", "--out", "x.png")]
    [InlineData(2, "--controlnet", "controlnet", "--control-image", "control/edges_a.png", "--preprocessor", "sobel", "--out", "x.png")]
    [InlineData(2, "--controlnet", "controlnet", "--control-image", "control/edges_a.png", "--control-scale", "1", "--control-scale", "2", "--out", "x.png")]
    [InlineData(1, "--lora", "lora/no_such.safetensors", "--out", "x.png")]
    [InlineData(1, "--controlnet", "controlnet", "--control-image", "control/edges_a.png", "--control-start", "0.8", "--control-end", "0.5", "--out", "x.png")]
    public void BadAdapterFlagsAreUsageErrorsOrFailures(int exitCode, params string[] flags)
    {
        using var dir = new TempDir();
        var args = new List<string> { "generate", "--model", Fixtures.Sd15TinyPipeline, "--prompt", "x", "--steps", "1", "--width", "64", "--height", "64" };
        // Fixture-relative paths (with a '/', or the controlnet folder) become absolute; flags and numbers stay.
        foreach (var flag in flags)
            args.Add(flag == "x.png" ? dir["x.png"] : flag.Contains('/') || flag == "controlnet" ? Extras(flag.Split('/')) : flag);
        var (code, _, error) = CliRunner.Run([.. args]);
        Assert.True(code == exitCode, $"exit {code}: {error}");
        Assert.StartsWith("error: ", error);
    }
}
