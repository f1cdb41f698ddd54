namespace KosmosG.Training.Adapters;

/// <summary>Knobs both adapter trainers share.</summary>
public sealed record AdapterSettings
{
    /// <summary>Probability that an example trains on the unconditional condition, so the adapter also shapes the
    /// branch classifier-free guidance subtracts.</summary>
    public double ConditionDropout { get; init; } = 0.1;
    /// <summary>KOSMOS-G compositions: probability of replacing an entity's words by its image (stage 3's 0.5).</summary>
    public double DropEntityWord { get; init; } = 0.5;
    /// <summary>Target image side; null = the U-Net's sample size x the VAE factor (512 for SD v1.5).</summary>
    public int? Resolution { get; init; }
    /// <summary>Targets are VAE posterior samples (diffusers' scripts); false takes the mean (the demo's stand-in U-Net was trained on means).</summary>
    public bool SampleLatents { get; init; } = true;
    /// <summary>How training timesteps are drawn: uniformly (diffusers' scripts) or cubically biased to high noise
    /// (T2I-Adapter's t = (1 - u^3) T), where a layout is decided: a control map matters little once the noisy latent
    /// already shows the shapes.</summary>
    public TimestepSampling Timesteps { get; init; } = TimestepSampling.Uniform;
    /// <summary>Loss weight of the pixels outside an example's "mask" (those inside weigh 1): 0 trains only the masked
    /// part (kohya's masked loss); between 0 and 1 the masked part counts more, e.g. a small object against a plain
    /// background that would otherwise dominate the loss.</summary>
    public double MaskBackgroundWeight { get; init; }
}
