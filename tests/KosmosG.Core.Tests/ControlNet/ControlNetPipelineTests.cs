using System.Text.Json;
using KosmosG.Imaging;
using KosmosG.Pipelines;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.ControlNet;

/// <summary>The sd15-extras-tiny ControlNet end-to-end cases through StableDiffusionPipeline (diffusers 0.25.1 StableDiffusionControlNetPipeline).</summary>
public class ControlNetPipelineTests(Sd15ExtrasPipeline fixture, ITestOutputHelper output) : IClassFixture<Sd15ExtrasPipeline>
{
    static RgbImage ControlPng(string relative) => new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(Fixtures.Sd15Extras, relative)));

    static double[] PerNet(JsonElement info, string key, int nets) =>
        info.GetProperty(key).ValueKind == JsonValueKind.Array
            ? info.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray()
            : Enumerable.Repeat(info.GetProperty(key).GetDouble(), nets).ToArray();

    internal static GenerationRequest RequestFor(string caseName)
    {
        var info = Fixtures.Sd15ExtrasCaseInfo(caseName);
        var nets = info.GetProperty("controlnets").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var images = info.GetProperty("control_image_png").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var (scales, starts, ends) = (PerNet(info, "controlnet_conditioning_scale", nets.Length), PerNet(info, "control_guidance_start", nets.Length),
            PerNet(info, "control_guidance_end", nets.Length));
        return new GenerationRequest
        {
            Prompt = info.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "",
            NegativePrompt = info.TryGetProperty("negative_prompt", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "",
            GuidanceScale = info.GetProperty("guidance_scale").GetDouble(),
            Steps = info.GetProperty("num_inference_steps").GetInt32(),
            Width = info.GetProperty("width").GetInt32(),
            Height = info.GetProperty("height").GetInt32(),
            Scheduler = "dpms",
            GuessMode = info.GetProperty("guess_mode").GetBoolean(),
            ControlNets = nets.Select((name, i) => new ControlNetRequest
            {
                Name = name, Image = ControlPng(images[i]), ConditioningScale = scales[i], GuidanceStart = starts[i], GuidanceEnd = ends[i],
            }).ToList(),
        };
    }

    [Theory]
    [InlineData("e2e_controlnet")]
    [InlineData("e2e_controlnet_prompt_embeds")]
    [InlineData("e2e_controlnet_guess_mode")]
    [InlineData("e2e_multicontrolnet")]
    public void EndToEndMatchesDiffusers(string caseName)
    {
        var expected = Fixtures.Sd15ExtrasCase(caseName);
        var request = RequestFor(caseName);
        var given = expected.TryGetValue("given_prompt_embeds", out var cond) ? new PromptEmbeddings(cond, expected["given_negative_prompt_embeds"]) : null;
        Tensor? final = null;
        var result = fixture.Pipeline.Generate(request, expected["latents"], new GenerationCallbacks(), CancellationToken.None,
            latents => final = latents.clone().DetachFromDisposeScope(), given);

        // cases.json: final_latents_atol 1e-3, image_uint8_max_diff 1.
        var latents = TensorAssert.Close(expected["final_latents"], final!, atol: 1e-3, what: $"{caseName} final latents");
        var pixels = TensorAssert.Close(expected["image_uint8"], PngFiles.Pixels(result.Images[0].Png).unsqueeze(0), atol: 1, what: $"{caseName} PNG pixels");
        output.WriteLine($"{caseName}: final latents max |diff| {latents:G3}, PNG pixels max |diff| {pixels}");

        // The control images as the nets saw them: PNG / 255 exactly.
        var keys = expected.ContainsKey("control_image") ? ["control_image"] : new[] { "control_image_a", "control_image_b" };
        for (var i = 0; i < keys.Length; i++)
            TensorAssert.Close(expected[keys[i]], ImageTensors.ToTensor(new ImageDecoder().Decode(result.ControlMaps[i])).unsqueeze(0), 0, what: keys[i]);
    }

    [Theory]
    [InlineData("e2e_controlnet_prompt_embeds")]
    [InlineData("e2e_multicontrolnet")]
    public void KeepScheduleMatchesDiffusersCondScales(string caseName)
    {
        var expected = Fixtures.Sd15ExtrasCase(caseName)["cond_scales"];
        var request = RequestFor(caseName);
        var total = request.Steps;
        var scales = Enumerable.Range(0, total)
            .SelectMany(i => request.ControlNets.Select(c => (float)(c.ConditioningScale * new ControlUnit(null!, null!, c.ConditioningScale, c.GuidanceStart, c.GuidanceEnd).Keep(i, total))))
            .ToArray();
        TensorAssert.Close(expected, tensor(scales).reshape(expected.shape), 0, what: "cond_scales");
    }
}
