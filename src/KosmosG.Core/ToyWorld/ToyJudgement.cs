namespace KosmosG.ToyWorld;

/// <summary>
/// The judgement of one generated image. <see cref="SubjectFidelity"/> is null when the prompt had no subject image.
/// </summary>
public sealed record ToyJudgement(
    IReadOnlyList<ToyObjectJudgement> Objects,
    double BackgroundShare,
    bool BackgroundRight,
    double? SubjectFidelity,
    double TextFidelity);
