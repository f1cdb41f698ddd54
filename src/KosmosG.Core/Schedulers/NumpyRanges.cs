namespace KosmosG.Schedulers;

/// <summary>
/// numpy's linspace / arange / round, reproduced exactly: diffusers builds every timestep schedule with them, and a
/// different formula flips timesteps that land on .5 (numpy rounds half to even) or changes a range's length.
/// </summary>
internal static class NumpyRanges
{
    /// <summary>np.linspace(start, stop, num): start + i * ((stop - start) / (num - 1)), last value exactly stop.</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        var values = new double[num];
        if (num == 0) return values;
        var step = num > 1 ? (stop - start) / (num - 1) : 0;
        for (var i = 0; i < num; i++) values[i] = i * step + start;
        if (num > 1) values[^1] = stop;
        return values;
    }

    /// <summary>np.arange(start, stop, step) for floats: length ceil((stop - start) / step), values start + i * delta
    /// where delta = (start + step) - start as numpy computes it.</summary>
    public static double[] Arange(double start, double stop, double step)
    {
        var length = (int)Math.Max(0, Math.Ceiling((stop - start) / step));
        var delta = start + step - start;
        var values = new double[length];
        for (var i = 0; i < length; i++) values[i] = start + i * delta;
        return values;
    }

    /// <summary>np.round: half to even.</summary>
    public static double Round(double value) => Math.Round(value, MidpointRounding.ToEven);

    /// <summary>np.interp(x, arange(len(table)), table) in float64: linear interpolation, clamped at both ends.</summary>
    public static double InterpolateTable(double x, IReadOnlyList<float> table)
    {
        if (x <= 0) return table[0];
        if (x >= table.Count - 1) return table[^1];
        var low = (int)Math.Floor(x);
        var w = x - low;
        return w == 0 ? table[low] : table[low] + (table[low + 1] - (double)table[low]) * w;
    }
}
