using System.Text.Json.Nodes;
using KosmosG.Testing;
using Xunit.Abstractions;

namespace KosmosG.Service.Tests.Playground;

/// <summary>
/// The LoRA and ControlNet pickers over the demo model's own adapters (the LoRA `large`, the ControlNet `canny`): the
/// page lists them, puts the choices into the request body in the API's shape (loras: [{name, scale}],
/// controlnets: [{name, image, ...}]), and the service accepts that body.
/// </summary>
[Collection(PlaygroundCollection.Name)]
public sealed class ExtrasPickerTests(DemoPlayground playground, ITestOutputHelper output)
{
    [Fact]
    public async Task Listed_loras_and_controlnets_get_pickers_whose_choices_go_into_the_request()
    {
        await using var page = await playground.Host.OpenAsync();
        await PlaygroundTests.ComposeAsync(page);
        await page.WaitForAsync("!document.getElementById('lora-box').hidden && !document.getElementById('controlnet-box').hidden");
        Assert.Equal("large", await page.JsAsync<string>("[...document.querySelectorAll('#lora-list li span')].map(s => s.textContent).join(',')"));

        await page.Page.ClickAsync("[data-lora='0']");
        await page.SetFieldAsync("#lora-list [data-lora-scale='0']", "0.7");
        await page.Page.SelectAsync("#controlnet", "canny");
        await page.Page.SelectAsync("#preprocessor", "canny");
        var input = await page.Page.QuerySelectorAsync("#control-image");
        await input.UploadFileAsync(Path.Combine(Fixtures.KosmosGTiny, "images", "img_a.png"));
        await page.WaitForAsync("!document.getElementById('control-preview').hidden");

        var body = JsonNode.Parse(await page.JsAsync<string>("JSON.stringify(buildRequest().body)"))!.AsObject();
        Assert.Equal("""[{"name":"large","scale":0.7}]""", body["loras"]!.ToJsonString());
        var controlnet = body["controlnets"]![0]!.AsObject();
        Assert.Equal(("canny", "canny", 1.0), ((string?)controlnet["name"], (string?)controlnet["preprocessor"], (double)controlnet["conditioning_scale"]!));
        Assert.StartsWith("data:image/png;base64,", (string?)controlnet["image"]);
        // The body the page built is one the service takes (two steps keep it short).
        Assert.Equal(200, await page.JsAsync<int>("""
            fetch('v1/generations', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
              body: JSON.stringify({ ...buildRequest().body, steps: 2 }) }).then(async r => r.status === 200 ? 200 : (console.log(await r.text()), r.status))
            """));
        output.WriteLine("screenshot: " + await page.ScreenshotAsync("lora-controlnet-pickers"));
        page.AssertNoConsoleErrors();
    }
}
