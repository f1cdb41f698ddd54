using System.Collections.Concurrent;
using PuppeteerSharp;

namespace KosmosG.Service.Tests.Playground;

/// <summary>
/// One browser tab on the playground: what the console said (errors, uncaught exceptions), every HTTP response, and
/// each text the status line showed with the progress bar beside it, recorded by the page itself as it changed.
/// </summary>
public sealed class PlaygroundPage : IAsyncDisposable
{
    // Installed before the page's own script: records every status text with the progress bar at that moment, and
    // every live preview shown (a poll from the test could miss short-lived states).
    const string Recorder = """
        window.__statuses = [];
        window.__previews = 0;
        document.addEventListener("DOMContentLoaded", () => {
          const status = document.getElementById("status");
          const progress = document.getElementById("progress");
          new MutationObserver(() => window.__statuses.push({
            text: status.textContent, shown: !progress.hidden, value: progress.value, max: progress.max,
          })).observe(status, { childList: true, characterData: true, subtree: true });
          new MutationObserver(() => window.__previews++).observe(document.getElementById("preview"), { attributes: true, attributeFilter: ["src"] });
        });
        """;

    readonly IBrowserContext _context;

    PlaygroundPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error) ConsoleErrors.Add((e.Message.Text, e.Message.Location?.URL ?? ""));
        };
        page.PageError += (_, e) => PageErrors.Add(e.Message);
        page.Response += (_, e) => Responses.Add((e.Response.Request.Method.Method, new Uri(e.Response.Url).AbsolutePath, (int)e.Response.Status));
    }

    public IPage Page { get; }
    public ConcurrentBag<(string Text, string Url)> ConsoleErrors { get; } = [];
    public ConcurrentBag<string> PageErrors { get; } = [];
    public ConcurrentBag<(string Method, string Path, int Status)> Responses { get; } = [];

    public static async Task<PlaygroundPage> OpenAsync(IBrowserContext context, Uri address, int width, int height, bool waitForModel,
        Func<IPage, Task>? beforeLoad)
    {
        var page = await context.NewPageAsync();
        if (beforeLoad is not null) await beforeLoad(page);
        page.DefaultTimeout = 60_000;
        await page.SetViewportAsync(new ViewPortOptions { Width = width, Height = height });
        await page.EvaluateExpressionOnNewDocumentAsync(Recorder);
        var playground = new PlaygroundPage(context, page);
        await page.GoToAsync(address.ToString(), WaitUntilNavigation.Networkidle0);
        if (waitForModel) await playground.WaitForModelAsync();
        return playground;
    }

    /// <summary>Waits until the page has read /v1/models and filled the settings with the model's defaults.</summary>
    public Task WaitForModelAsync() =>
        Page.WaitForFunctionAsync("() => document.getElementById('steps').value !== ''");

    /// <summary>Reloads the page (the same browser context: localStorage stays) and waits for the model again.</summary>
    public async Task ReloadAsync()
    {
        await Page.ReloadAsync(null, [WaitUntilNavigation.Networkidle0]);
        await WaitForModelAsync();
    }

    public Task<T> JsAsync<T>(string expression) => Page.EvaluateExpressionAsync<T>(expression);

    public Task<string> TextAsync(string selector) => Page.EvaluateFunctionAsync<string>("s => document.querySelector(s).textContent", selector);

    public Task WaitForAsync(string predicate) => Page.WaitForFunctionAsync($"() => {predicate}");

    /// <summary>Adds image files through the "Add image" file picker (they become chips at the caret).</summary>
    public async Task AddImagesAsync(params string[] paths)
    {
        var before = await JsAsync<int>("document.querySelectorAll('#prompt .chip').length");
        var input = await Page.QuerySelectorAsync("#image-file");
        await input.UploadFileAsync(paths);
        await WaitForAsync($"document.querySelectorAll('#prompt .chip').length === {before + paths.Length}");
    }

    /// <summary>Replaces an input's value as a user would (click, select all, type).</summary>
    public async Task SetFieldAsync(string selector, string value)
    {
        await Page.ClickAsync(selector);
        await Page.Keyboard.DownAsync("Control");
        await Page.Keyboard.PressAsync("a");
        await Page.Keyboard.UpAsync("Control");
        await Page.Keyboard.TypeAsync(value);
    }

    public async Task<IReadOnlyList<StatusRecord>> StatusesAsync() =>
        (await JsAsync<System.Text.Json.JsonElement>("window.__statuses")).EnumerateArray()
        .Select(s => new StatusRecord(s.GetProperty("text").GetString()!, s.GetProperty("shown").GetBoolean(),
            s.GetProperty("value").GetDouble(), s.GetProperty("max").GetDouble()))
        .ToList();

    public Task<int> PreviewsAsync() => JsAsync<int>("window.__previews");

    /// <summary>The PNG bytes behind a result image (its src is a data URL).</summary>
    public async Task<byte[]> ResultPngAsync(int index)
    {
        var src = await Page.EvaluateFunctionAsync<string>("i => document.querySelectorAll('#results .result img')[i].src", index);
        Assert.StartsWith("data:image/png;base64,", src);
        return Convert.FromBase64String(src["data:image/png;base64,".Length..]);
    }

    /// <summary>Saves a full-page screenshot as a test artifact; returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(PlaygroundHost.ArtifactsDirectory, name + ".png");
        await Page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        return path;
    }

    /// <summary>No uncaught exception, and no console error except the listed network refusals.</summary>
    public void AssertNoConsoleErrors(params string[] allowedFailedPaths)
    {
        Assert.Empty(PageErrors);
        var unexpected = ConsoleErrors.Where(e => !(e.Text.StartsWith("Failed to load resource") &&
                                                    allowedFailedPaths.Any(p => new Uri(e.Url).AbsolutePath == p))).ToList();
        Assert.True(unexpected.Count == 0, "console errors: " + string.Join(" | ", unexpected.Select(e => $"{e.Text} ({e.Url})")));
    }

    public async ValueTask DisposeAsync()
    {
        await Page.CloseAsync();
        await _context.CloseAsync();
    }

    public sealed record StatusRecord(string Text, bool Shown, double Value, double Max);
}
