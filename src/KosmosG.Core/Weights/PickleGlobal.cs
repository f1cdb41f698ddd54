namespace KosmosG.Weights;

/// <summary>A class or function a pickle names (GLOBAL / STACK_GLOBAL). Only a name: nothing is imported or run.</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}
