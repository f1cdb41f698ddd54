namespace KosmosG.ToyWorld;

/// <summary>One object of a scene: a coloured shape centred at a position.</summary>
public sealed record ToyObject(ToyColor Color, ToyShape Shape, ToyPosition Position)
{
    public ToySubject Subject => new(Color, Shape);

    public string Key => $"{Color.Name}-{Shape.Name}-{Position.Name}";

    public override string ToString() => $"{Subject} {Position}";
}
