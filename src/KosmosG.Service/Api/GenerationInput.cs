namespace KosmosG.Service.Api;

/// <summary>A generation request as sent, whichever endpoint and encoding it came through, before validation.</summary>
public sealed record GenerationInput
{
    public string? Prompt { get; init; }
    public string? NegativePrompt { get; init; }
    public int? Steps { get; init; }
    public double? GuidanceScale { get; init; }
    public string? Scheduler { get; init; }
    public long? Seed { get; init; }
    public int? N { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public int? PreviewEvery { get; init; }
    public double? DeadlineSeconds { get; init; }
    public IReadOnlyList<ImagePart> Images { get; init; } = [];
}

/// <summary>One uploaded image, read only after the count and size checks passed.</summary>
public sealed record ImagePart(string Field, string? ContentType, long Length, Func<byte[]> Read);
