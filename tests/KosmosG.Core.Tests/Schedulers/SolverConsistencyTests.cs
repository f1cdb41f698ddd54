using KosmosG.Schedulers;
using static TorchSharp.torch;

namespace KosmosG.Tests.Schedulers;

/// <summary>Paths without a diffusers fixture, checked against identities they must satisfy.</summary>
public class SolverConsistencyTests
{
    static readonly SchedulerConfig Sd15 =
        SchedulerConfig.Load(Path.Combine(Fixtures.Sd15TinyPipeline, "scheduler", "scheduler_config.json"));

    /// <summary>First-order DPM-Solver and DPM-Solver++ are both DDIM (eta 0). With trailing spacing and 10 steps the
    /// two schedules coincide (999, 899, ..., 99, then timestep 0's alpha), so the runs must agree.</summary>
    [Theory]
    [InlineData("dpmsolver++", "epsilon")]
    [InlineData("dpmsolver", "epsilon")]
    [InlineData("dpmsolver++", "v_prediction")]
    [InlineData("dpmsolver", "sample")]
    public void FirstOrderDpmSolverIsDdim(string algorithm, string prediction)
    {
        using var scope = NewDisposeScope();
        var config = Sd15 with { TimestepSpacing = "trailing", PredictionType = prediction };
        using var ddim = new DDIMScheduler(config with { ClipSample = false });
        using var dpm = new DPMSolverMultistepScheduler(config with { AlgorithmType = algorithm, SolverOrder = 1 });
        ddim.SetTimesteps(10);
        dpm.SetTimesteps(10);
        TensorAssert.Equal(ddim.Timesteps, dpm.Timesteps, "timesteps");
        Tensor a = randn(1, 4, 8, 8, generator: new Generator(1)), b = a;
        for (var i = 0; i < 10; i++)
        {
            var output = randn(1, 4, 8, 8, generator: new Generator((ulong)(100 + i)));
            a = ddim.Step(output, i, a).PrevSample;
            b = dpm.Step(output, i, b).PrevSample;
            TensorAssert.Close(a, b, 1e-4, 1e-4, $"step {i}");
        }
    }

    /// <summary>When x0 and eps are constant along the trajectory (x_t = alpha_t x0 + sigma_t eps) the correction terms
    /// of every order vanish and each solver variant must land exactly on the next point: checks the leading
    /// coefficients and the multistep bookkeeping of the paths the fixtures do not cover.</summary>
    [Theory]
    [InlineData("dpmsolver++", "midpoint", 2)]
    [InlineData("dpmsolver++", "heun", 2)]
    [InlineData("dpmsolver++", "midpoint", 3)]
    [InlineData("dpmsolver", "midpoint", 2)]
    [InlineData("dpmsolver", "heun", 3)]
    public void ConstantDataPredictionIsFollowedExactly(string algorithm, string solverType, int order)
    {
        using var scope = NewDisposeScope();
        using var dpm = new DPMSolverMultistepScheduler(Sd15 with
        {
            AlgorithmType = algorithm, SolverType = solverType, SolverOrder = order, TimestepSpacing = "linspace",
        });
        dpm.SetTimesteps(20);
        var x0 = randn(1, 4, 8, 8, generator: new Generator(2)) * 0.5;
        var eps = randn(1, 4, 8, 8, generator: new Generator(3));
        var sigmas = dpm.Sigmas.to(ScalarType.Float64).data<double>().ToArray();
        (double Alpha, double Sigma) At(int i) => (1 / Math.Sqrt(sigmas[i] * sigmas[i] + 1), sigmas[i] / Math.Sqrt(sigmas[i] * sigmas[i] + 1));
        var sample = x0 * At(0).Alpha + eps * At(0).Sigma;
        for (var i = 0; i < 20; i++)
        {
            var (alpha, sigma) = At(i);
            var modelEps = (sample - x0 * alpha) / sigma;
            sample = dpm.Step(modelEps, i, sample).PrevSample;
            var (alphaNext, sigmaNext) = At(i + 1);
            TensorAssert.Close(x0 * alphaNext + eps * sigmaNext, sample, 1e-4, 1e-4, $"step {i}");
        }
    }

    /// <summary>Karras sigmas run from sigma_max to sigma_min uniformly in sigma^(1/7), and each step's timestep maps back
    /// to its sigma through the training table (log-linear interpolation).</summary>
    [Theory]
    [InlineData("euler")]
    [InlineData("dpms")]
    public void KarrasSigmasAreConsistentWithTheirTimesteps(string name)
    {
        using var scheduler = (DiffusionScheduler)SchedulerFactory.Create(name, Sd15 with { UseKarrasSigmas = true });
        scheduler.SetTimesteps(12);
        var sigmas = (scheduler is SigmaScheduler s ? s.Sigmas : ((DPMSolverMultistepScheduler)scheduler).Sigmas).data<float>().ToArray();
        var timesteps = scheduler.Timesteps.to(ScalarType.Float64).data<double>().ToArray();
        var table = scheduler.AlphasCumprod.data<float>().Select(a => Math.Sqrt((1 - a) / a)).ToArray();
        var roots = sigmas.Take(12).Select(x => Math.Pow(x, 1 / 7.0)).ToArray();
        for (var i = 1; i < 11; i++)
            Assert.True(Math.Abs(roots[i + 1] - 2 * roots[i] + roots[i - 1]) < 1e-5, $"sigma^(1/7) not uniform at {i}");
        for (var i = 0; i < 12; i++)
        {
            var low = (int)Math.Floor(timesteps[i]);
            var high = Math.Min(low + 1, table.Length - 1);
            var logSigma = Math.Log(table[low]) + (Math.Log(table[high]) - Math.Log(table[low])) * (timesteps[i] - low);
            // Euler keeps the fractional timestep (exact inverse); DPM-Solver rounds it to an integer.
            var tolerance = 1e-5 + (name == "euler" ? 0 : Math.Abs(Math.Log(table[high]) - Math.Log(table[low])));
            Assert.True(Math.Abs(logSigma - Math.Log(sigmas[i])) <= tolerance, $"step {i}: timestep {timesteps[i]} does not map to sigma {sigmas[i]}");
        }
    }
}
