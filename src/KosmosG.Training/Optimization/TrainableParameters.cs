using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace KosmosG.Training.Optimization;

/// <summary>A parameter the optimizer updates, under its state-dict name.</summary>
public sealed record NamedParameter(string Name, Parameter Parameter);

/// <summary>
/// Freezing per stage: every parameter of a module gets requires_grad from a name predicate, and only the
/// trainable ones are returned (the optimizer never sees the frozen ones).
/// </summary>
public static class TrainableParameters
{
    public static IReadOnlyList<NamedParameter> Select(Module module, Func<string, bool> isTrainable)
    {
        var trainable = new List<NamedParameter>();
        foreach (var (name, parameter) in module.named_parameters())
        {
            var train = isTrainable(name);
            parameter.requires_grad = train;
            if (train) trainable.Add(new NamedParameter(name, parameter));
        }
        if (trainable.Count == 0) throw new InvalidOperationException("no parameter matches the trainable set of this stage");
        return trainable;
    }

    /// <summary>Marks every parameter of a module frozen (the U-Net, VAE, CLIP text encoder).</summary>
    public static void FreezeAll(Module module)
    {
        foreach (var (_, parameter) in module.named_parameters()) parameter.requires_grad = false;
    }

    /// <summary>Biases and LayerNorm/GroupNorm weights, the usual no-weight-decay set (the official recipe decays them too).</summary>
    public static bool IsBiasOrNorm(string name, Parameter parameter) =>
        parameter.dim() <= 1 && (name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("norm", StringComparison.OrdinalIgnoreCase)
                                 || name.Contains("ln_", StringComparison.Ordinal) || name.Contains("layer_norm", StringComparison.Ordinal));
}
