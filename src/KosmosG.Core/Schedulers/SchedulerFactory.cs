namespace KosmosG.Schedulers;

/// <summary>Creates schedulers by their CLI/service names. Each call returns a fresh instance (one per request).</summary>
public static class SchedulerFactory
{
    static readonly Dictionary<string, Func<SchedulerConfig, IScheduler>> Factories = new(StringComparer.Ordinal)
    {
        ["dpms"] = c => new DPMSolverMultistepScheduler(c),
        ["pndm"] = c => new PNDMScheduler(c),
        ["ddim"] = c => new DDIMScheduler(c),
        ["euler"] = c => new EulerDiscreteScheduler(c),
        ["euler-a"] = c => new EulerAncestralDiscreteScheduler(c),
    };

    /// <summary>dpms (DPM-Solver++ multistep), pndm (PLMS), ddim, euler, euler-a (Euler ancestral).</summary>
    public static IReadOnlyList<string> Names { get; } = Factories.Keys.ToArray();

    /// <summary>A new scheduler of the named kind configured like diffusers' from_config(config).</summary>
    public static IScheduler Create(string name, SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (name is null || !Factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"Unknown scheduler '{name}'; valid names: {string.Join(", ", Names)}", nameof(name));
        return factory(config);
    }
}
