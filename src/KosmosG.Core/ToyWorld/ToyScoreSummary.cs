namespace KosmosG.ToyWorld;

/// <summary>
/// Means over many judged images. <see cref="SubjectFidelity"/> averages only the images whose prompt had subject
/// images (<see cref="ImagesWithSubjects"/>; NaN when there were none).
/// </summary>
public sealed record ToyScoreSummary(int Images, int ImagesWithSubjects, double SubjectFidelity, double TextFidelity);
