namespace KosmosG.Weights;

/// <summary>
/// An inert stand-in for an object of a class the unpickler does not know (a config class, argparse.Namespace,
/// OmegaConf, numpy...). The constructor call is recorded, never executed; BUILD stores the state, and items
/// that a list or dict subclass would receive are kept too, so callers can still inspect what was saved.
/// </summary>
public sealed class PickleObject(PickleGlobal type, IReadOnlyList<object?> args)
{
    public PickleGlobal Type { get; } = type;
    public IReadOnlyList<object?> Args { get; } = args;
    public object? State { get; internal set; }
    public List<object?> ListItems { get; } = [];
    public Dictionary<object, object?> DictItems { get; } = [];

    public override string ToString() => $"<{Type} placeholder>";
}
