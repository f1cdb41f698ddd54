namespace KosmosG.Training.Data;

/// <summary>
/// Deterministic example order: epoch e visits the examples in a permutation drawn from (seed, e) alone, so any
/// <see cref="DataPosition"/> can be resumed exactly without replaying earlier epochs. Batches run across
/// epoch boundaries (every batch is full).
/// </summary>
public sealed class EpochSampler
{
    readonly int _count;
    readonly int _seed;
    readonly bool _shuffle;
    int _cachedEpoch = -1;
    int[] _cachedOrder = [];

    public EpochSampler(int count, int seed, bool shuffle = true)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "a dataset needs at least one example");
        _count = count;
        _seed = seed;
        _shuffle = shuffle;
    }

    public int Count => _count;

    /// <summary>The visiting order of one epoch (Fisher-Yates over a <see cref="Random"/> seeded from seed and epoch).</summary>
    public int[] Order(int epoch)
    {
        if (epoch == _cachedEpoch) return _cachedOrder;
        var order = Enumerable.Range(0, _count).ToArray();
        if (_shuffle)
        {
            var rng = new Random(SeedMix.Combine(_seed, epoch, 0x5eed));
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        _cachedEpoch = epoch;
        _cachedOrder = order;
        return order;
    }

    /// <summary>The next <paramref name="batchSize"/> draws from <paramref name="position"/> and the position after them.</summary>
    public (IReadOnlyList<SampleRef> Samples, DataPosition Next) Take(DataPosition position, int batchSize)
    {
        if (position.Index < 0 || position.Index > _count || position.Epoch < 0)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"not a position of a {_count}-example dataset");
        var samples = new List<SampleRef>(batchSize);
        var (epoch, index) = (position.Epoch, position.Index);
        while (samples.Count < batchSize)
        {
            if (index == _count) (epoch, index) = (epoch + 1, 0);
            samples.Add(new SampleRef(Order(epoch)[index], epoch, index));
            index++;
        }
        if (index == _count) (epoch, index) = (epoch + 1, 0);
        return (samples, new DataPosition(epoch, index));
    }
}

/// <summary>One draw: the example index and the (epoch, slot) it was drawn at, which seeds its augmentations.</summary>
public readonly record struct SampleRef(int Example, int Epoch, int Slot)
{
    /// <summary>A per-draw random source (same draw, same augmentation, wherever the run resumed).</summary>
    public Random CreateRandom(int seed) => new(SeedMix.Combine(seed, Epoch, Slot));
}
