namespace KosmosG.ToyWorld;

/// <summary>
/// A background with one object anywhere, or two objects at left+right or top+bottom with different colours
/// (TOYWORLD.md "Scenes"). Two-object scenes are canonical: the first object is the left (or top) one, so each
/// picture has exactly one scene and one caption. The constructor rejects anything else.
/// </summary>
public sealed record ToyScene
{
    public ToyScene(ToyBackground background, ToyObject first, ToyObject? second = null)
    {
        ArgumentNullException.ThrowIfNull(background);
        ArgumentNullException.ThrowIfNull(first);
        if (second is not null)
        {
            var pair = (first.Position, second.Position);
            if (pair != (ToyPosition.Left, ToyPosition.Right) && pair != (ToyPosition.Top, ToyPosition.Bottom))
                throw new ArgumentException(
                    $"Two-object scene needs positions left+right or top+bottom in that order, got {first.Position}+{second.Position}",
                    nameof(second));
            if (first.Color == second.Color)
                throw new ArgumentException($"Two-object scene needs different colours, both are {first.Color}", nameof(second));
        }
        Background = background;
        First = first;
        Second = second;
    }

    public ToyBackground Background { get; }
    public ToyObject First { get; }
    public ToyObject? Second { get; }

    /// <summary>The objects in drawing and caption order.</summary>
    public IReadOnlyList<ToyObject> Objects => Second is null ? [First] : [First, Second];

    /// <summary>A stable file-name stem, e.g. "white-red-circle-left-blue-square-right".</summary>
    public string Key => string.Join("-", [Background.Name, .. Objects.Select(o => o.Key)]);

    public override string ToString() => Key;
}
