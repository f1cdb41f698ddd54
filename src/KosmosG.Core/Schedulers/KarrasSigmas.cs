namespace KosmosG.Schedulers;

/// <summary>The noise levels of Karras et al. (2022) (rho = 7) and the inverse map from a sigma to a fractional training
/// timestep, as diffusers' _convert_to_karras and _sigma_to_t compute them (float64).</summary>
internal static class KarrasSigmas
{
    const double Rho = 7.0;

    /// <summary>num_inference_steps sigmas from sigmaMax down to sigmaMin, uniform in sigma^(1/rho).</summary>
    public static double[] Sigmas(double sigmaMin, double sigmaMax, int numInferenceSteps)
    {
        var ramp = NumpyRanges.Linspace(0, 1, numInferenceSteps);
        var minInvRho = Math.Pow(sigmaMin, 1 / Rho);
        var maxInvRho = Math.Pow(sigmaMax, 1 / Rho);
        return ramp.Select(r => Math.Pow(maxInvRho + r * (minInvRho - maxInvRho), Rho)).ToArray();
    }

    /// <summary>Piecewise-linear interpolation of log sigma over the training table (log_sigmas: float32 log of the
    /// ascending training sigmas), clamped to the table's ends.</summary>
    public static double SigmaToTimestep(double sigma, IReadOnlyList<float> logSigmas)
    {
        var logSigma = Math.Log(Math.Max(sigma, 1e-10));
        // numpy: cumsum(dists >= 0).argmax() = first index where the count of table entries <= log_sigma peaks.
        int count = 0, best = 0, lowIdx = 0;
        for (var i = 0; i < logSigmas.Count; i++)
        {
            if (logSigma - logSigmas[i] >= 0) count++;
            if (count > best) { best = count; lowIdx = i; }
        }
        lowIdx = Math.Min(lowIdx, logSigmas.Count - 2);
        double low = logSigmas[lowIdx], high = logSigmas[lowIdx + 1];
        var w = Math.Clamp((low - logSigma) / (low - high), 0, 1);
        return (1 - w) * lowIdx + w * (lowIdx + 1);
    }
}
