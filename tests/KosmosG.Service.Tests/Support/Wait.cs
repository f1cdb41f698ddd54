namespace KosmosG.Service.Tests.Support;

public static class Wait
{
    /// <summary>Polls until the condition holds; fails naming what it waited for.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Waited {seconds} s for {what}");
            await Task.Delay(10);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, double seconds = 10) =>
        UntilAsync(() => Task.FromResult(condition()), what, seconds);
}
