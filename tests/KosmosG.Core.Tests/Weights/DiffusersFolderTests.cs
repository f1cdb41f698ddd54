using KosmosG.Weights;

namespace KosmosG.Tests.Weights;

public sealed class DiffusersFolderTests : IDisposable
{
    readonly string _temp = Directory.CreateTempSubdirectory("diffusers-folder-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void ReadsTheFixturePipeline()
    {
        var pipeline = DiffusersFolder.Open(Fixtures.Sd15TinyPipeline);
        Assert.Equal("StableDiffusionPipeline", pipeline.PipelineClass);
        Assert.Equal(["scheduler", "text_encoder", "tokenizer", "unet", "vae"], pipeline.Components.Select(c => c.Name).Order());
        Assert.False(pipeline.HasComponent("safety_checker"));
        Assert.False(pipeline.HasComponent("requires_safety_checker"));
        Assert.Equal("UNet2DConditionModel", pipeline.ClassName("unet"));
        Assert.Equal("transformers", pipeline.Component("text_encoder").Library);

        var root = Fixtures.Sd15TinyPipeline;
        Assert.Equal(Path.Combine(root, "unet"), pipeline.ComponentDir("unet"));
        Assert.Equal(Path.Combine(root, "unet", "config.json"), pipeline.ConfigPath("unet"));
        Assert.Equal(Path.Combine(root, "scheduler", "scheduler_config.json"), pipeline.ConfigPath("scheduler"));
        Assert.Equal(Path.Combine(root, "tokenizer"), pipeline.ConfigPath("tokenizer"));
        Assert.Equal(Path.Combine(root, "unet", "diffusion_pytorch_model.safetensors"), pipeline.WeightsPath("unet"));
        Assert.Equal(Path.Combine(root, "text_encoder", "model.safetensors"), pipeline.WeightsPath("text_encoder"));
        // No fp16 variant in the fixture: falls back to the plain file.
        Assert.Equal(Path.Combine(root, "vae", "diffusion_pytorch_model.safetensors"), pipeline.WeightsPath("vae", "fp16"));
    }

    [Fact]
    public void PrefersTheVariantFile()
    {
        var unet = MakePipeline(("unet", "diffusers", "UNet2DConditionModel"));
        Touch(unet, "diffusion_pytorch_model.safetensors");
        Touch(unet, "diffusion_pytorch_model.fp16.safetensors");
        var pipeline = DiffusersFolder.Open(_temp);
        Assert.Equal(Path.Combine(unet, "diffusion_pytorch_model.fp16.safetensors"), pipeline.WeightsPath("unet", "fp16"));
        Assert.Equal(Path.Combine(unet, "diffusion_pytorch_model.safetensors"), pipeline.WeightsPath("unet"));
    }

    [Fact]
    public void PyTorchBinOnlyComponentSaysHowToConvert()
    {
        var dir = MakePipeline(("text_encoder", "transformers", "CLIPTextModel"));
        Touch(dir, "pytorch_model.bin");
        var e = Assert.Throws<InvalidDataException>(() => DiffusersFolder.Open(_temp).WeightsPath("text_encoder"));
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Contains("PyTorch .bin is not supported", e.Message);
        Assert.Contains("safe_serialization=True", e.Message);
    }

    [Fact]
    public void MissingWeightsNameTheFolder()
    {
        var dir = MakePipeline(("vae", "diffusers", "AutoencoderKL"));
        var e = Assert.Throws<FileNotFoundException>(() => DiffusersFolder.Open(_temp).WeightsPath("vae", "fp16"));
        Assert.Contains(dir, e.Message);
        Assert.Contains("diffusion_pytorch_model.fp16.safetensors", e.Message);
    }

    [Fact]
    public void MissingComponentNamesItAndTheOnesPresent()
    {
        MakePipeline(("vae", "diffusers", "AutoencoderKL"));
        var e = Assert.Throws<ArgumentException>(() => DiffusersFolder.Open(_temp).ComponentDir("unet"));
        Assert.Contains("'unet'", e.Message);
        Assert.Contains("vae", e.Message);
    }

    [Fact]
    public void ListedComponentWithoutFolderIsNamed()
    {
        File.WriteAllText(Path.Combine(_temp, "model_index.json"), """{"unet": ["diffusers", "UNet2DConditionModel"]}""");
        var e = Assert.Throws<DirectoryNotFoundException>(() => DiffusersFolder.Open(_temp).WeightsPath("unet"));
        Assert.Contains(Path.Combine(_temp, "unet"), e.Message);
    }

    [Fact]
    public void MissingConfigIsNamed()
    {
        var dir = MakePipeline(("scheduler", "diffusers", "PNDMScheduler"));
        File.Delete(Path.Combine(dir, "scheduler_config.json"));
        var e = Assert.Throws<FileNotFoundException>(() => DiffusersFolder.Open(_temp).ConfigPath("scheduler"));
        Assert.Contains("scheduler_config.json", e.Message);
    }

    [Fact]
    public void MissingFolderOrIndexIsNamed()
    {
        var missing = Path.Combine(_temp, "nope");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => DiffusersFolder.Open(missing)).Message);
        Assert.Contains("model_index.json", Assert.Throws<FileNotFoundException>(() => DiffusersFolder.Open(_temp)).Message);
    }

    [Fact]
    public void MalformedIndexIsNamed()
    {
        var index = Path.Combine(_temp, "model_index.json");
        File.WriteAllText(index, "{\"unet\": [\"diffusers\"");
        Assert.Contains(index, Assert.Throws<InvalidDataException>(() => DiffusersFolder.Open(_temp)).Message);
        File.WriteAllText(index, """{"unet": ["diffusers"]}""");
        var e = Assert.Throws<InvalidDataException>(() => DiffusersFolder.Open(_temp));
        Assert.Contains("'unet'", e.Message);
    }

    /// <summary>Writes model_index.json and each component's folder with its config; returns the last folder.</summary>
    string MakePipeline(params (string Name, string Library, string ClassName)[] components)
    {
        var entries = components.Select(c => $"\"{c.Name}\": [\"{c.Library}\", \"{c.ClassName}\"]").Append("\"safety_checker\": [null, null]");
        File.WriteAllText(Path.Combine(_temp, "model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\", " + string.Join(", ", entries) + "}");
        var dir = "";
        foreach (var c in components)
        {
            dir = Directory.CreateDirectory(Path.Combine(_temp, c.Name)).FullName;
            Touch(dir, c.ClassName.EndsWith("Scheduler") ? "scheduler_config.json" : "config.json");
        }
        return dir;
    }

    static void Touch(string dir, string file) => File.WriteAllText(Path.Combine(dir, file), "{}");
}
