using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>A prompt with <c>&lt;i&gt;</c> markers and, in marker order, the subjects and their images.</summary>
public sealed record ToyInterleavedPrompt(string Prompt, IReadOnlyList<ToySubject> Subjects, IReadOnlyList<RgbImage> Images);
