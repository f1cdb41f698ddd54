using System.ComponentModel;

namespace KosmosG.Service.Queue;

/// <summary>The request fields that concern the job rather than the picture (read with the generation's own fields).</summary>
public sealed record JobTerms
{
    [Description("Cancel the job if it has not finished this many seconds after acceptance (queue wait included; up to KosmosG:Deadline:MaxSeconds). Example: 120.")]
    public double? DeadlineSeconds { get; init; }

    [Description("Called with a signed POST when the job ends (hosts allowed by KosmosG:Webhooks:AllowedHosts only). Example: \"https://hooks.example.com/kosmosg\".")]
    public string? WebhookUrl { get; init; }
}
