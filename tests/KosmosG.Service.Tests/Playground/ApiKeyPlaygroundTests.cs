using System.Security.Cryptography;
using System.Text;
using KosmosG.Service.Tests.Support;
using Xunit.Abstractions;

namespace KosmosG.Service.Tests.Playground;

/// <summary>The playground against a service that requires API keys (the test generator stands in for the model).</summary>
[Collection(PlaygroundCollection.Name)]
public sealed class ApiKeyPlaygroundTests(ITestOutputHelper output) : IAsyncLifetime
{
    const string Key = "playground-test-key";
    PlaygroundHost _host = null!;

    public async Task InitializeAsync() => _host = await PlaygroundHost.StartAsync(new ServiceFactory(f =>
    {
        f["Auth:Keys:0:Name"] = "tester";
        f["Auth:Keys:0:Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key)));
    }));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_key_box_appears_when_keys_are_required_and_the_key_is_sent_with_every_call()
    {
        await using var page = await _host.OpenAsync(waitForModel: false);
        await page.WaitForAsync("!document.getElementById('key-box').hidden");
        Assert.Equal("An API key is needed.", await page.TextAsync("#model-info"));
        Assert.Equal("api-key", await page.JsAsync<string>("document.activeElement.id"));

        await page.Page.Keyboard.TypeAsync(Key);
        await page.Page.Keyboard.PressAsync("Enter");
        await page.WaitForAsync("document.getElementById('steps').value === '4'"); // the test generator's defaults
        Assert.Contains("test-model", await page.TextAsync("#model-info"));

        // Generating needs the key too (401 otherwise): the result shows it was sent.
        await page.Page.ClickAsync("#prompt");
        await page.Page.Keyboard.TypeAsync("a red square");
        await page.Page.ClickAsync("#generate");
        await page.WaitForAsync("document.getElementById('status').textContent.startsWith('Done')");
        Assert.StartsWith("seed ", await page.TextAsync("#results .seed"));
        Assert.DoesNotContain(page.Responses, r => r.Path == "/v1/generations" && r.Status != 200);

        // The key stays in this browser: after a reload the page goes straight to the model.
        await page.ReloadAsync();
        Assert.True(await page.JsAsync<bool>("document.getElementById('key-box').hidden"));
        output.WriteLine("screenshot: " + await page.ScreenshotAsync("api-key"));
        // Chrome logs the first, keyless /v1/models (401) itself; nothing else may be in the console.
        page.AssertNoConsoleErrors("/v1/models");
    }
}
