using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>One judged generation: the case, the image as judged (on the 64x64 canvas), the judgement, the time it took.</summary>
public sealed record ToyEvalResult(ToyEvalCase Case, RgbImage Image, ToyJudgement Judgement, TimeSpan Elapsed);
