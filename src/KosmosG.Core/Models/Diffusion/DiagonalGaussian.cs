using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>The VAE posterior: per-element Gaussian with the encoder's mean and (clamped) log-variance; Std = exp(LogVar / 2).</summary>
public sealed record DiagonalGaussian(Tensor Mean, Tensor LogVar, Tensor Std);
