using KosmosG.Adapters;
using KosmosG.Imaging;
using KosmosG.Pipelines;

namespace KosmosG.Tests.ControlNet;

/// <summary>Name resolution for LoRAs/ControlNets (no escaping the folders), the LRU cache and the canny annotator.</summary>
public class AdapterLibraryTests
{
    static AssetFolders Loras(string folder, bool allowPaths = false) => new("loras", [folder], [".safetensors"], allowDirectories: false, allowPaths);

    [Fact]
    public void NamesResolveInsideTheirFolderWithOrWithoutTheExtension()
    {
        var folder = Path.Combine(Fixtures.Sd15Extras, "lora");
        var expected = Path.Combine(folder, "kohya_locon_fp16.safetensors");
        Assert.Equal(expected, Loras(folder).Resolve("kohya_locon_fp16"));
        Assert.Equal(expected, Loras(folder).Resolve("kohya_locon_fp16.safetensors"));
        Assert.Contains("peft_format_diffusers", Loras(folder).Names());
        var controlNets = new AssetFolders("controlnets", [Fixtures.Sd15Extras], [".safetensors", ".pth"], allowDirectories: true, allowPaths: false);
        Assert.Equal(Path.Combine(Fixtures.Sd15Extras, "controlnet2_fp16"), controlNets.Resolve("controlnet2_fp16"));
    }

    [Theory]
    [InlineData("../controlnet/diffusion_pytorch_model")]
    [InlineData("..")]
    [InlineData("diffusers/pytorch_lora_weights")]
    [InlineData("/etc/passwd")]
    [InlineData("..\\x")]
    public void NamesThatCouldLeaveTheFolderAreRefused(string name)
    {
        var error = Assert.Throws<GenerationRequestException>(() => Loras(Path.Combine(Fixtures.Sd15Extras, "lora")).Resolve(name));
        Assert.Equal("loras", error.Field);
        Assert.Contains("not a plain name", error.Message);
    }

    [Fact]
    public void PathsOnlyWhereAllowedAndUnknownNamesListWhatExists()
    {
        var folder = Path.Combine(Fixtures.Sd15Extras, "lora");
        var file = Path.Combine(folder, "diffusers", "pytorch_lora_weights.safetensors");
        Assert.Equal(file, Loras(folder, allowPaths: true).Resolve(file));
        Assert.Throws<GenerationRequestException>(() => Loras(folder).Resolve(file));
        var unknown = Assert.Throws<GenerationRequestException>(() => Loras(folder).Resolve("nope"));
        Assert.Contains("unknown name 'nope' (available: diffusers_old_attnproc_format, kohya_locon_fp16", unknown.Message);
    }

    [Fact]
    public void TheCacheKeepsTheMostRecentlyUsedAndDisposesTheRest()
    {
        var disposed = new List<string>();
        using var cache = new LruCache<Tracked>(2);
        cache.GetOrAdd("a", () => new Tracked("a", disposed));
        cache.GetOrAdd("b", () => new Tracked("b", disposed));
        cache.GetOrAdd("a", () => throw new InvalidOperationException("a is cached"));
        cache.GetOrAdd("c", () => new Tracked("c", disposed));
        Assert.Equal(["b"], disposed);
        Assert.Equal(2, cache.Count);
    }

    sealed record Tracked(string Name, List<string> Disposed) : IDisposable
    {
        public void Dispose() => Disposed.Add(Name);
    }

    [Fact]
    public void CannyMarksTheBordersOfAFilledSquare()
    {
        // A white 20x20 square on black: OpenCV's Canny puts one-pixel edges on the square's outline and nowhere else.
        const int size = 48;
        var pixels = new byte[size * size * 3];
        for (var y = 14; y < 34; y++)
            for (var x = 14; x < 34; x++)
                pixels[(y * size + x) * 3] = pixels[(y * size + x) * 3 + 1] = pixels[(y * size + x) * 3 + 2] = 255;
        var edges = ControlPreprocessors.CannyEdges(new RgbImage(size, size, pixels), 100, 200);
        var on = new List<(int X, int Y)>();
        for (var i = 0; i < size * size; i++)
        {
            Assert.True(edges.Pixels[3 * i] is 0 or 255 && edges.Pixels[3 * i] == edges.Pixels[3 * i + 1] && edges.Pixels[3 * i] == edges.Pixels[3 * i + 2]);
            if (edges.Pixels[3 * i] == 255) on.Add((i % size, i / size));
        }
        Assert.InRange(on.Count, 60, 90);
        Assert.All(on, p => Assert.True(Math.Min(Math.Abs(p.X - 14), Math.Abs(p.X - 33)) <= 1 || Math.Min(Math.Abs(p.Y - 14), Math.Abs(p.Y - 33)) <= 1,
            $"edge pixel at {p} is not on the square's outline"));
    }

    [Fact]
    public void CannyMeasuresTheGradientAsCv2DoesByDefault()
    {
        // A diagonal step of 40 levels: at the step the 3x3 Sobel gives |gx| = |gy| = 3 * 40. cv2.Canny's default L1
        // magnitude (240) passes the high threshold 200 and the step is drawn; the L2 magnitude (170) would stay below
        // it and draw nothing.
        const int size = 32, level = 40;
        var pixels = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
            for (var x = size - y; x < size; x++)
                pixels[(y * size + x) * 3] = pixels[(y * size + x) * 3 + 1] = pixels[(y * size + x) * 3 + 2] = level;
        var edges = ControlPreprocessors.CannyEdges(new RgbImage(size, size, pixels), 100, 200);
        for (var y = 4; y < size - 4; y++)
        {
            var row = Enumerable.Range(0, size).Where(x => edges.Pixels[(y * size + x) * 3] == 255).ToList();
            Assert.NotEmpty(row);
            Assert.All(row, x => Assert.InRange(x + y, size - 2, size + 1));
        }
    }
}
