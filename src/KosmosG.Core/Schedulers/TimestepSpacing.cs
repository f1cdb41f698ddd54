namespace KosmosG.Schedulers;

/// <summary>
/// The timestep_spacing rules DDIM, PNDM and the Euler schedulers share (Table 2 of arXiv 2305.08891, as diffusers
/// implements them). DPM-Solver uses its own variant (num_inference_steps + 1 points).
/// </summary>
internal static class TimestepSpacing
{
    public static readonly string[] Names = ["linspace", "leading", "trailing"];

    /// <summary>Descending timesteps. linspace values are rounded unless <paramref name="roundLinspace"/> is false
    /// (the Euler schedulers keep fractional timesteps); steps_offset applies to leading only.</summary>
    public static double[] Descending(string spacing, int numTrainTimesteps, int numInferenceSteps, int stepsOffset, bool roundLinspace)
    {
        var n = numInferenceSteps;
        switch (spacing)
        {
            case "linspace":
                var points = NumpyRanges.Linspace(0, numTrainTimesteps - 1, n);
                return points.Select(t => roundLinspace ? NumpyRanges.Round(t) : t).Reverse().ToArray();
            case "leading":
                var stepRatio = numTrainTimesteps / n;
                return Enumerable.Range(0, n).Select(i => (double)i * stepRatio + stepsOffset).Reverse().ToArray();
            case "trailing":
                return NumpyRanges.Arange(numTrainTimesteps, 0, -(double)numTrainTimesteps / n)
                    .Select(t => NumpyRanges.Round(t) - 1).ToArray();
            default:
                throw new ArgumentException($"timestep_spacing '{spacing}' is not supported (supported: {string.Join(", ", Names)})");
        }
    }

    /// <summary>num_inference_steps must be in [1, num_train_timesteps], as diffusers checks.</summary>
    public static void CheckSteps(string scheduler, int numInferenceSteps, int numTrainTimesteps)
    {
        if (numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps,
                $"{scheduler}: num_inference_steps must be between 1 and num_train_timesteps ({numTrainTimesteps})");
    }
}
