namespace KosmosG.Training.Data;

/// <summary>Stable seed derivation (SplitMix64 finaliser): the same inputs give the same seed on every platform and run.</summary>
public static class SeedMix
{
    public static int Combine(long a, long b, long c) => (int)(Mix64(a, b, c) & 0x7fffffff);

    public static long Combine64(long a, long b, long c) => (long)(Mix64(a, b, c) & 0x7fffffffffffffff);

    static ulong Mix64(long a, long b, long c)
    {
        var z = Finalise((ulong)a + 0x9E3779B97F4A7C15UL);
        z = Finalise(z ^ (ulong)b);
        return Finalise(z ^ (ulong)c);
    }

    static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
