using System.Net;
using System.Net.Http.Json;
using KosmosG.Service.Tests.Support;
using KosmosG.Testing;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Service.Tests;

/// <summary>LoRAs and ControlNets through HTTP on the tiny SD pipeline, with the fixture LoRA and ControlNet copied
/// into the model folder's loras/ and controlnets/.</summary>
public sealed class AdapterRequestTests : IDisposable
{
    readonly string _model = Path.Combine(Path.GetTempPath(), "kosmosg-adapters-" + Guid.NewGuid().ToString("N"));

    public AdapterRequestTests()
    {
        Copy(Fixtures.Sd15TinyPipeline, _model);
        Directory.CreateDirectory(Path.Combine(_model, "loras"));
        File.Copy(Path.Combine(Fixtures.Sd15Extras, "lora", "kohya_locon_fp16.safetensors"), Path.Combine(_model, "loras", "locon.safetensors"));
        Copy(Path.Combine(Fixtures.Sd15Extras, "controlnet"), Path.Combine(_model, "controlnets", "edges"));
        // A LoRA for another architecture: its only module is no layer of this U-Net.
        using var down = zeros(2, 8);
        using var up = zeros(8, 2);
        SafeTensorsWriter.Save(Path.Combine(_model, "loras", "alien.safetensors"), new Dictionary<string, Tensor>
        {
            ["lora_unet_input_blocks_9_1_proj_in.lora_down.weight"] = down,
            ["lora_unet_input_blocks_9_1_proj_in.lora_up.weight"] = up,
        });
    }

    static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    ServiceFactory Serve() => new(f =>
    {
        f.UseTestGenerator = false;
        f["Model:Path"] = _model;
        f["Adapters:MaxLoras"] = "2";
    });

    static readonly object Plain = new { prompt = "a red cube", steps = 2, seed = 5, width = 64, height = 64 };

    static async Task<byte[]> PngAsync(HttpClient client, object body)
    {
        var response = await client.SendAsync(Call.Generation(body, "image/png"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task A_request_with_a_lora_and_a_controlnet_leaves_the_next_plain_request_bit_identical()
    {
        await using var factory = Serve();
        var client = await factory.ReadyClientAsync();
        var control = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(Fixtures.Sd15Extras, "control", "edges_a.png")));

        var before = await PngAsync(client, Plain);
        var adapted = await PngAsync(client, new
        {
            prompt = "a red cube", steps = 2, seed = 5, width = 64, height = 64,
            loras = new[] { new { name = "locon", scale = 0.8 } },
            controlnets = new[] { new { name = "edges", image = control, conditioning_scale = 0.9 } },
        });
        var after = await PngAsync(client, Plain);

        // The same request as a form, the control image as a file part: the same bytes.
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in new[] { ("prompt", "a red cube"), ("steps", "2"), ("seed", "5"), ("width", "64"), ("height", "64"),
                     ("loras", """[{"name": "locon", "scale": 0.8}]"""), ("controlnets", """[{"name": "edges", "conditioning_scale": 0.9}]""") })
            form.Add(new StringContent(value), name);
        var file = new ByteArrayContent(Convert.FromBase64String(control));
        file.Headers.ContentType = new("image/png");
        form.Add(file, "controlnets[0].image", "edges.png");
        var formRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = form };
        formRequest.Headers.Accept.ParseAdd("image/png");
        var formResponse = await client.SendAsync(formRequest);
        Assert.True(formResponse.StatusCode == HttpStatusCode.OK, await formResponse.Content.ReadAsStringAsync());
        Assert.Equal(adapted, await formResponse.Content.ReadAsByteArrayAsync());

        var json = await (await client.SendAsync(Call.Generation(Plain, "application/json"))).JsonAsync();
        Assert.Empty(json["warnings"]!.AsArray());

        Assert.Equal(before, after);
        Assert.NotEqual(PngFiles.Pixels(before).data<float>().ToArray(), PngFiles.Pixels(adapted).data<float>().ToArray());
        Assert.Contains("<lora:locon:0.8>", PngFiles.Text(adapted)["parameters"]);
    }

    [Fact]
    public async Task Listing_endpoints_name_the_files_and_folders_requests_can_use()
    {
        await using var factory = Serve();
        var client = await factory.ReadyClientAsync();

        var loras = await (await client.GetAsync("/v1/loras")).JsonAsync();
        Assert.Equal(["alien", "locon"], loras["data"]!.AsArray().Select(i => (string)i!["name"]!));
        Assert.Equal(Path.Combine(_model, "loras"), (string)loras["data"]![1]!["folder"]!);
        var controlnets = await (await client.GetAsync("/v1/controlnets")).JsonAsync();
        Assert.Equal(["edges"], controlnets["data"]!.AsArray().Select(i => (string)i!["name"]!));
    }

    [Fact]
    public async Task Bad_adapters_are_400s_naming_the_field()
    {
        await using var factory = Serve();
        var client = await factory.ReadyClientAsync();

        var alien = await (await client.SendAsync(Call.Generation(new
        {
            prompt = "a red cube", steps = 2, width = 64, height = 64, loras = new[] { new { name = "alien", scale = 1.0 } },
        }))).AssertProblemAsync(400, field: "loras");
        Assert.Contains("alien.safetensors", (string)alien["detail"]!);
        Assert.Contains("lora_unet_input_blocks_9_1_proj_in", (string)alien["detail"]!);

        await (await client.SendAsync(Call.Generation(new
        {
            prompt = "a red cube", loras = new[] { new { name = "../loras/locon", scale = 1.0 } },
        }))).AssertProblemAsync(400, field: "loras");
        await (await client.SendAsync(Call.Generation(new
        {
            prompt = "a red cube", loras = Enumerable.Repeat(new { name = "locon", scale = 1.0 }, 3).ToArray(),
        }))).AssertProblemAsync(400, field: "loras");
        await (await client.SendAsync(Call.Generation(new
        {
            prompt = "a red cube", controlnets = new[] { new { name = "edges", image = "bm90IGFuIGltYWdl" } },
        }))).AssertProblemAsync(415, field: "controlnets[0].image");
        await (await client.SendAsync(Call.Generation(new
        {
            prompt = "a red cube", controlnets = new[] { new { name = "edges" } },
        }))).AssertProblemAsync(400, field: "controlnets[0].image");
    }

    public void Dispose()
    {
        try { Directory.Delete(_model, true); } catch (IOException) { }
    }
}
