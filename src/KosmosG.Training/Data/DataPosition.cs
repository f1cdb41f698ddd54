namespace KosmosG.Training.Data;

/// <summary>Where the data stream stands: the next example is number <see cref="Index"/> of epoch <see cref="Epoch"/>'s order.</summary>
public readonly record struct DataPosition(int Epoch, int Index)
{
    public static DataPosition Start => new(0, 0);
    public override string ToString() => $"epoch {Epoch}, example {Index}";
}
