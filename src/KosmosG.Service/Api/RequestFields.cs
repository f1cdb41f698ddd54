namespace KosmosG.Service.Api;

/// <summary>The request's field names as clients spell them, for errors raised against GenerationRequest properties.</summary>
public static class RequestFields
{
    static readonly Dictionary<string, string> ByProperty = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Prompt"] = "prompt",
        ["NegativePrompt"] = "negative_prompt",
        ["Images"] = "images",
        ["Steps"] = "steps",
        ["GuidanceScale"] = "guidance_scale",
        ["Scheduler"] = "scheduler",
        ["Width"] = "width",
        ["Height"] = "height",
        ["Seed"] = "seed",
        ["Count"] = "n",
        ["PreviewEvery"] = "preview_every",
    };

    public static string ToApiName(string field) => ByProperty.TryGetValue(field, out var name) ? name : field;
}
