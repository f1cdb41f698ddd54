using KosmosG.Pipelines;

namespace KosmosG.Service.Tests.Support;

/// <summary>How the test generator behaves; shared by all the generators one factory creates.</summary>
public sealed class TestGeneratorOptions
{
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(5);
    public string Kind { get; set; } = "kosmos-g";
    public bool AcceptsImages { get; set; } = true;
    public int MaxImages { get; set; } = 4;
    public GenerationDefaults Defaults { get; set; } = new(4, 5.0, "dpms", 64, 64);
    /// <summary>Thrown from Create (model load failure), once <see cref="FailLoad"/> is set.</summary>
    public Exception? LoadFailure { get; set; }
    /// <summary>Set by the test when it has what it needs from the host, so the load fails after that, never before.</summary>
    public ManualResetEventSlim FailLoad { get; } = new();
}
