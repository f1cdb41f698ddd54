namespace KosmosG.Training.Optimization;

/// <summary>
/// AdamW hyper-parameters. Defaults are the official KOSMOS-G recipe (fairseq adam = decoupled weight decay,
/// applied to every parameter): betas (0.9, 0.98), eps 1e-6, weight decay 0.01, gradient clipping at 2.0.
/// </summary>
public sealed record OptimizerSettings
{
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.98;
    public double Eps { get; init; } = 1e-6;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Total gradient L2 norm cap; 0 disables clipping (the norm is still reported).</summary>
    public double ClipNorm { get; init; } = 2.0;
    /// <summary>Exclude biases and norm weights from weight decay (not the official recipe; off by default).</summary>
    public bool NoDecayOnBiasAndNorm { get; init; }
}
