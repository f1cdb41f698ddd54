namespace KosmosG.ToyWorld;

/// <summary>How one expected object came out. Its colour is right exactly when it is present.</summary>
public sealed record ToyObjectJudgement(
    ToyObject Expected, bool GivenAsImage, ToyPixelGroup Group, bool Present, bool PositionRight, bool ShapeRight)
{
    public bool ColorRight => Present;
}
