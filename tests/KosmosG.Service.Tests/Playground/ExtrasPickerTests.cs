using System.Net;
using System.Text.Json.Nodes;
using KosmosG.Testing;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace KosmosG.Service.Tests.Playground;

/// <summary>
/// The LoRA and ControlNet pickers. The service does not list LoRAs or ControlNets yet (issue 16), so here the
/// browser answers for the API document and the two list endpoints; the page must show the pickers and put the
/// choices into the request body in the API's shape (loras: [{name, scale}], controlnets: [{name, image, ...}]).
/// </summary>
[Collection(PlaygroundCollection.Name)]
public sealed class ExtrasPickerTests(DemoPlayground playground, ITestOutputHelper output)
{
    static readonly Dictionary<string, string> Stubs = new()
    {
        ["/openapi/v1.json"] = """{"openapi":"3.1.1","paths":{"/v1/models":{},"/v1/loras":{},"/v1/controlnets":{}}}""",
        ["/v1/loras"] = """{"object":"list","data":[{"name":"toy-style"},{"name":"toy-outline"}]}""",
        ["/v1/controlnets"] = """{"object":"list","data":[{"name":"toy-canny"}],"preprocessors":["none","canny"]}""",
    };

    static async Task StubListsAsync(IPage page)
    {
        await page.SetRequestInterceptionAsync(true);
        page.Request += async (_, e) =>
        {
            if (Stubs.TryGetValue(new Uri(e.Request.Url).AbsolutePath, out var body))
                await e.Request.RespondAsync(new ResponseData { Status = HttpStatusCode.OK, ContentType = "application/json", Body = body });
            else
                await e.Request.ContinueAsync();
        };
    }

    [Fact]
    public async Task Listed_loras_and_controlnets_get_pickers_whose_choices_go_into_the_request()
    {
        await using var page = await playground.Host.OpenAsync(beforeLoad: StubListsAsync);
        await page.WaitForAsync("!document.getElementById('lora-box').hidden && !document.getElementById('controlnet-box').hidden");
        Assert.Equal("toy-style,toy-outline", await page.JsAsync<string>("[...document.querySelectorAll('#lora-list li span')].map(s => s.textContent).join(',')"));

        await page.Page.ClickAsync("[data-lora='0']");
        await page.SetFieldAsync("#lora-list [data-lora-scale='0']", "0.7");
        await page.Page.SelectAsync("#controlnet", "toy-canny");
        await page.Page.SelectAsync("#preprocessor", "canny");
        var input = await page.Page.QuerySelectorAsync("#control-image");
        await input.UploadFileAsync(Path.Combine(Fixtures.KosmosGTiny, "images", "img_a.png"));
        await page.WaitForAsync("!document.getElementById('control-preview').hidden");

        var body = JsonNode.Parse(await page.JsAsync<string>("JSON.stringify(buildRequest().body)"))!.AsObject();
        Assert.Equal("""[{"name":"toy-style","scale":0.7}]""", body["loras"]!.ToJsonString());
        var controlnet = body["controlnets"]![0]!.AsObject();
        Assert.Equal(("toy-canny", "canny", 1.0), ((string?)controlnet["name"], (string?)controlnet["preprocessor"], (double)controlnet["conditioning_scale"]!));
        Assert.StartsWith("data:image/png;base64,", (string?)controlnet["image"]);
        output.WriteLine("screenshot: " + await page.ScreenshotAsync("lora-controlnet-pickers"));
        page.AssertNoConsoleErrors();
    }
}
