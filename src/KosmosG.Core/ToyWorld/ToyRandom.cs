namespace KosmosG.ToyWorld;

/// <summary>
/// The seeded random source of every toy-world sampler. Algorithm: <c>new System.Random(seed)</c>, whose seeded
/// form is .NET's compatibility generator (Knuth's subtractive generator, unchanged since .NET Framework and kept
/// for seeded instances by .NET 6+); <see cref="Next"/> is <c>Random.Next(n)</c>, <see cref="Pick{T}"/> takes
/// <c>items[Next(items.Count)]</c>, <see cref="Coin"/> is <c>Next(2) == 1</c>. Each draw consumes exactly one
/// <c>Random.Next(n)</c> call, so a sequence of calls is reproducible for a seed.
/// </summary>
public sealed class ToyRandom(int seed)
{
    private readonly Random random = new(seed);

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n) =>
        n > 0 ? random.Next(n) : throw new ArgumentOutOfRangeException(nameof(n), n, "Need a positive bound");

    public bool Coin() => Next(2) == 1;

    public T Pick<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) throw new ArgumentException("Cannot pick from an empty list", nameof(items));
        return items[Next(items.Count)];
    }
}
