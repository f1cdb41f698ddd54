using System.Diagnostics;
using KosmosG.Imaging;
using KosmosG.Service.Tests.Support;
using KosmosG.Testing;
using KosmosG.ToyWorld;
using Xunit.Abstractions;

namespace KosmosG.Service.Tests.Playground;

/// <summary>The service with the built-in demo model on a real port, and one Chromium for the class.</summary>
public sealed class DemoPlayground : IAsyncLifetime
{
    public PlaygroundHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await PlaygroundHost.StartAsync(new ServiceFactory(f =>
    {
        f.UseTestGenerator = false;
        f["Model:Path"] = ""; // the built-in demo model
    }));

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// The browser tests share one demo service and one Chromium, and run one after another, alone: a second model
/// load and a browser beside the other collections slowed their model loads past their readiness waits.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PlaygroundCollection : ICollectionFixture<DemoPlayground>
{
    public const string Name = "Playground";
}

/// <summary>The playground page at / in headless Chromium, on the demo model: what a user sees and does.</summary>
[Collection(PlaygroundCollection.Name)]
public sealed class PlaygroundTests(DemoPlayground playground, ITestOutputHelper output)
{
    const string Prompt = "<i> on the left on a black background";
    static readonly string RepoRoot = Path.GetFullPath(Path.Combine(Fixtures.Root, "..", ".."));
    internal static readonly string RedCircle = Path.Combine(RepoRoot, "docs", "red-circle.png");

    PlaygroundHost Host => playground.Host;

    async Task Screenshot(PlaygroundPage page, string name) => output.WriteLine("screenshot: " + await page.ScreenshotAsync(name));

    /// <summary>The red circle as the prompt's image, then the text after its chip, as a user types it.</summary>
    internal static async Task ComposeAsync(PlaygroundPage page)
    {
        await page.AddImagesAsync(RedCircle);
        await page.Page.Keyboard.TypeAsync("on the left on a black background");
    }

    async Task<string> JobIdAsync(PlaygroundPage page)
    {
        await page.WaitForAsync("document.getElementById('job').textContent.startsWith('job ')");
        return (await page.TextAsync("#job"))["job ".Length..];
    }

    [Fact]
    public async Task The_page_loads_with_the_models_defaults_and_limits_and_no_console_errors()
    {
        await using var page = await Host.OpenAsync();
        Assert.Equal("20", await page.JsAsync<string>("document.getElementById('steps').value")); // generation_config.json
        Assert.Equal("2", await page.JsAsync<string>("document.getElementById('guidance_scale').value"));
        Assert.Equal("dpms", await page.JsAsync<string>("document.getElementById('scheduler').value"));
        Assert.Equal("100", await page.JsAsync<string>("document.getElementById('steps').max"));
        Assert.Equal("64", await page.JsAsync<string>("document.getElementById('width').value"));
        Assert.Equal("4", await page.JsAsync<string>("document.getElementById('n').max"));
        Assert.Contains("demo", await page.TextAsync("#model-info"));
        // The demo model ships the LoRA `large` and the ControlNet `canny`: both pickers show them.
        Assert.False(await page.JsAsync<bool>("document.getElementById('lora-box').hidden || document.getElementById('controlnet-box').hidden"));
        Assert.Equal("large", await page.JsAsync<string>("document.querySelector('#lora-list li span').textContent"));
        Assert.Equal("none,canny", await page.JsAsync<string>("[...document.getElementById('controlnet').options].map(o => o.value || 'none').join()"));
        Assert.Contains(page.Responses, r => r.Path == "/v1/loras" && r.Status == 200);
        Assert.Contains(page.Responses, r => r.Path == "/v1/controlnets" && r.Status == 200);
        Assert.Contains(page.Responses, r => r.Path == "/v1/models" && r.Status == 200);

        // Keyboard: Tab from the top reaches the prompt, the image picker, the settings and Generate, in that order.
        var focused = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            await page.Page.Keyboard.PressAsync("Tab");
            focused.Add(await page.JsAsync<string>("document.activeElement.id"));
        }
        var order = new[] { "prompt", "add-image", "steps", "seed-random", "generate" }.Select(id => focused.IndexOf(id)).ToArray();
        Assert.True(order.All(i => i >= 0) && order.SequenceEqual(order.Order()), "focus order: " + string.Join(",", focused));
        await Screenshot(page, "load-desktop");

        // 360 px wide: one column, nothing wider than the screen.
        await page.Page.SetViewportAsync(new PuppeteerSharp.ViewPortOptions { Width = 360, Height = 800 });
        Assert.True(await page.JsAsync<bool>("document.documentElement.scrollWidth <= 360"),
            "page wider than 360 px: " + await page.JsAsync<int>("document.documentElement.scrollWidth"));
        Assert.True(await page.JsAsync<bool>("document.getElementById('generate').getBoundingClientRect().right <= 360"));
        await Screenshot(page, "load-360px");
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_generation_with_an_uploaded_image_shows_progress_then_the_image_with_its_seed()
    {
        await using var page = await Host.OpenAsync();
        await ComposeAsync(page);
        Assert.Equal("1", await page.TextAsync("#prompt .chip b"));
        await page.Page.ClickAsync("#seed-random");
        await page.SetFieldAsync("#seed", "1");
        await page.Page.ClickAsync("#generate");

        await page.WaitForAsync("document.getElementById('status').textContent.startsWith('Done')");
        var statuses = await page.StatusesAsync();
        output.WriteLine(string.Join("\n", statuses.Select(s => $"{s.Text} [{(s.Shown ? "bar" : "no bar")} {s.Value}/{s.Max}]")));
        // Queued or running first, then steps on a visible progress bar, then the image: the stream was live.
        Assert.Contains(statuses, s => s.Text.StartsWith("Queued") || s.Text.StartsWith("Running on cpu"));
        var steps = statuses.Where(s => s.Text.StartsWith("Step ")).ToList();
        Assert.Contains(steps, s => s.Shown && s.Max == 20 && s.Value > 0 && s.Value < 20);
        Assert.True(await page.PreviewsAsync() >= 1, "no live preview was shown");

        Assert.Equal("seed 1", await page.TextAsync("#results .result .seed"));
        var png = await page.ResultPngAsync(0);
        var parameters = PngFiles.Text(png);
        Assert.Equal((Prompt, "1"), (parameters["prompt"], parameters["seed"]));
        // The image reached the model in its <i> place: the red circle, on the left, on black.
        var judged = ToyJudge.Judge(new ImageDecoder().Decode(png), new ToyComposition(
            new ToyScene(ToyBackground.Black, new ToyObject(ToyColor.Red, ToyShape.Circle, ToyPosition.Left)), firstIsImage: true));
        Assert.Equal((1.0, 1.0), (judged.SubjectFidelity, judged.TextFidelity));
        await Screenshot(page, "generation");
        await page.Page.SetViewportAsync(new PuppeteerSharp.ViewPortOptions { Width = 360, Height = 800 });
        Assert.True(await page.JsAsync<bool>("document.documentElement.scrollWidth <= 360"), "the result makes the page wider than 360 px");
        await Screenshot(page, "generation-360px");
        await page.Page.SetViewportAsync(new PuppeteerSharp.ViewPortOptions { Width = 1280, Height = 900 });

        // "Copy as curl" gives a command that, run from a shell beside the image file, makes the same PNG.
        await page.Page.ClickAsync("#results .result-actions button:nth-of-type(2)");
        var curl = await page.JsAsync<string>("document.getElementById('curl-text').value");
        output.WriteLine(curl);
        Assert.Contains("-F 'images=@red-circle.png'", curl);
        await Screenshot(page, "copy-as-curl");
        var dir = Directory.CreateTempSubdirectory("kosmosg-curl-").FullName;
        try
        {
            File.Copy(RedCircle, Path.Combine(dir, "red-circle.png"));
            var shell = Process.Start(new ProcessStartInfo("bash", ["-c", curl]) { WorkingDirectory = dir, RedirectStandardError = true })!;
            await shell.WaitForExitAsync();
            Assert.True(shell.ExitCode == 0, await shell.StandardError.ReadToEndAsync());
            Assert.Equal(png, await File.ReadAllBytesAsync(Path.Combine(dir, "kosmosg-1.png")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task History_survives_a_reload_and_re_runs_a_generation_with_one_click()
    {
        await using var page = await Host.OpenAsync();
        await ComposeAsync(page);
        await page.SetFieldAsync("#steps", "4");
        await page.Page.ClickAsync("#generate");
        await page.WaitForAsync("document.getElementById('status').textContent.startsWith('Done')");
        var first = await page.ResultPngAsync(0);
        var seed = PngFiles.Text(first)["seed"]; // random: the service chose it

        await page.ReloadAsync();
        Assert.Equal(0, await page.JsAsync<int>("document.querySelectorAll('#results .result').length"));
        Assert.Equal(1, await page.JsAsync<int>("document.querySelectorAll('#history li').length"));
        Assert.Contains($"seed {seed}", await page.TextAsync("#history li"));
        Assert.Contains("4 steps", await page.TextAsync("#history li"));

        await page.Page.ClickAsync("#history li .result-actions button"); // Re-run
        await page.WaitForAsync("document.getElementById('status').textContent.startsWith('Done')");
        Assert.Equal($"seed {seed}", await page.TextAsync("#results .result .seed"));
        Assert.Equal(first, await page.ResultPngAsync(0)); // the same prompt, image, settings and seed
        Assert.Equal(2, await page.JsAsync<int>("document.querySelectorAll('#history li').length"));
        await Screenshot(page, "history-rerun");
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_i_marker_without_an_image_shows_the_services_error_at_the_prompt()
    {
        await using var page = await Host.OpenAsync();
        await page.Page.ClickAsync("#prompt");
        await page.Page.Keyboard.TypeAsync("<i> on the left");
        await page.Page.ClickAsync("#generate");
        await page.WaitForAsync("document.getElementById('err-prompt').textContent !== ''");

        using var client = Host.Client();
        var problem = await (await client.SendAsync(Call.Generation(new { prompt = "<i> on the left" }))).AssertProblemAsync(400, field: "images");
        Assert.Equal((string?)problem["detail"], await page.TextAsync("#err-prompt"));
        Assert.Equal("true", await page.JsAsync<string>("document.getElementById('prompt').getAttribute('aria-invalid')"));
        Assert.Equal("prompt", await page.JsAsync<string>("document.activeElement.id"));
        Assert.Equal("", await page.TextAsync("#err-general"));
        Assert.Contains(page.Responses, r => r is { Method: "POST", Path: "/v1/generations", Status: 400 });
        await Screenshot(page, "field-error");
        // Chrome logs the 400 itself as "Failed to load resource"; nothing else may be in the console.
        page.AssertNoConsoleErrors("/v1/generations");
    }

    [Fact]
    public async Task Cancel_stops_a_running_job()
    {
        await using var page = await Host.OpenAsync();
        await ComposeAsync(page);
        await page.SetFieldAsync("#steps", "100");
        await page.SetFieldAsync("#n", "4");
        await page.Page.ClickAsync("#generate");
        var id = await JobIdAsync(page);
        await page.WaitForAsync("document.getElementById('status').textContent.startsWith('Step ')");
        await page.Page.ClickAsync("#cancel");

        await page.WaitForAsync("document.getElementById('status').textContent.startsWith('Cancelled at step ')");
        using var client = Host.Client();
        var job = await client.FinishedJobAsync(id);
        Assert.Equal("cancelled", (string?)job["state"]);
        Assert.True((int)job["progress"]!["step"]! < 400, job.ToJsonString());
        Assert.Empty(job["images"]!.AsArray());
        Assert.Equal(0, await page.JsAsync<int>("document.querySelectorAll('#results .result').length"));
        Assert.False(await page.JsAsync<bool>("document.getElementById('generate').disabled"));
        Assert.True(await page.JsAsync<bool>("document.getElementById('cancel').disabled"));
        await Screenshot(page, "cancelled");
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Pasted_and_dropped_images_become_chips_and_pasted_text_stays_plain()
    {
        await using var page = await Host.OpenAsync();
        // Chrome's own paste and drop events, with the image file in their DataTransfer as the OS would put it.
        const string send = """
            async ([kind, name, b64]) => {
              const file = new File([Uint8Array.from(atob(b64), c => c.charCodeAt(0))], name, { type: "image/png" });
              const data = new DataTransfer();
              data.items.add(file);
              const composer = document.getElementById("prompt");
              composer.focus();
              const box = composer.getBoundingClientRect();
              composer.dispatchEvent(kind === "paste"
                ? new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true })
                : new DragEvent("drop", { dataTransfer: data, clientX: box.right - 4, clientY: box.bottom - 4, bubbles: true, cancelable: true }));
            }
            """;
        var png = Convert.ToBase64String(await File.ReadAllBytesAsync(RedCircle));
        await page.Page.EvaluateFunctionAsync(send, new object[] { new[] { "paste", "pasted.png", png } });
        await page.WaitForAsync("document.querySelectorAll('#prompt .chip').length === 1");
        await page.Page.Keyboard.TypeAsync("beside ");
        await page.Page.EvaluateFunctionAsync(send, new object[] { new[] { "drop", "dropped.png", png } });
        await page.WaitForAsync("document.querySelectorAll('#prompt .chip').length === 2");
        Assert.Equal("pasted.png,dropped.png", await page.JsAsync<string>("readComposer().images.map(i => i.name).join(',')"));
        Assert.Equal("<i> beside <i>", await page.JsAsync<string>("readComposer().prompt"));

        await page.Page.EvaluateFunctionAsync("""
            () => {
              const data = new DataTransfer();
              data.setData("text/plain", " on a\nwhite background");
              data.setData("text/html", "<b>on a white background</b>");
              document.getElementById("prompt").dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
            }
            """);
        Assert.Equal("<i> beside <i> on a white background", await page.JsAsync<string>("readComposer().prompt"));
        Assert.Equal(0, await page.JsAsync<int>("document.querySelectorAll('#prompt b:not(.chip b)').length"));
        page.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Reordering_the_chips_reorders_the_images_and_removing_one_renumbers_the_rest()
    {
        await using var page = await Host.OpenAsync();
        var other = Path.Combine(Fixtures.KosmosGTiny, "images", "img_a.png");
        await page.AddImagesAsync(RedCircle);
        await page.Page.Keyboard.TypeAsync("next to ");
        await page.AddImagesAsync(other);
        const string names = "readComposer().images.map(i => i.name).join(',')";
        Assert.Equal("red-circle.png,img_a.png", await page.JsAsync<string>(names));
        Assert.Equal("<i> next to <i>", await page.JsAsync<string>("readComposer().prompt"));

        // Keyboard: focus "move image 1 later" and press Enter.
        await page.Page.FocusAsync("#image-tray li:first-child button[data-move='1']");
        await page.Page.Keyboard.PressAsync("Enter");
        Assert.Equal("img_a.png,red-circle.png", await page.JsAsync<string>(names));
        Assert.Equal("<i> next to <i>", await page.JsAsync<string>("readComposer().prompt")); // the text keeps its places
        Assert.Equal("1,2", await page.JsAsync<string>("[...document.querySelectorAll('#prompt .chip b')].map(b => b.textContent).join(',')"));
        await Screenshot(page, "two-images");

        await page.Page.ClickAsync("#image-tray li:first-child button[data-remove]");
        Assert.Equal("red-circle.png", await page.JsAsync<string>(names));
        Assert.Equal("next to <i>", await page.JsAsync<string>("readComposer().prompt"));
        Assert.Equal("1", await page.TextAsync("#prompt .chip b"));
        page.AssertNoConsoleErrors();
    }
}
