using static TorchSharp.torch;

namespace KosmosG.Schedulers;

/// <summary>
/// A diffusion sampler with diffusers semantics. One instance serves one request: SetTimesteps, then for each i in
/// order ScaleModelInput(sample, i) and Step(modelOutput, i, sample). Steps are addressed by index into
/// <see cref="Timesteps"/> (PNDM repeats a timestep value). Multistep schedulers keep earlier model outputs, so steps
/// must run in order on one instance; instances share no mutable state.
/// </summary>
public interface IScheduler : IDisposable
{
    /// <summary>Timesteps for the UNet, on the CPU: int64 for DDIM/PNDM/DPM-Solver, float32 for the Euler schedulers.</summary>
    Tensor Timesteps { get; }

    /// <summary>Standard deviation of the initial noise: the pipeline multiplies unit-variance latents by it.</summary>
    double InitNoiseSigma { get; }

    /// <summary>Builds the timestep schedule and resets all multistep state.</summary>
    void SetTimesteps(int numInferenceSteps);

    /// <summary>The UNet input for step <paramref name="stepIndex"/> (a new tensor handle, possibly sharing storage with
    /// <paramref name="sample"/> when the scheduler does not scale).</summary>
    Tensor ScaleModelInput(Tensor sample, int stepIndex);

    /// <summary>One denoising step. <paramref name="generators"/>: one per batch row (row i's noise is drawn with
    /// generators[i]) or a single one for the whole batch; null uses torch's global generator. Only stochastic
    /// schedulers draw noise.</summary>
    SchedulerStepOutput Step(Tensor modelOutput, int stepIndex, Tensor sample, IReadOnlyList<Generator>? generators = null);
}
