using KosmosG.Schedulers;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Schedulers;

/// <summary>
/// The DPM-Solver paths the sd15-tiny fixtures lack (third order, heun, plain DPM-Solver, other prediction types,
/// the lower_order_final boundary) against the closed-form multistep updates of DPM-Solver (Lu et al. 2022,
/// arXiv 2206.00927) and DPM-Solver++ (arXiv 2211.01095), written out here in float64 with the coefficients and
/// order schedule of diffusers' DPMSolverMultistepScheduler (the reference this port follows). The model
/// outputs vary from step to step, so every correction term (D1, D2) is far from zero.
/// </summary>
public class DpmSolverClosedFormTests(ITestOutputHelper output)
{
    static readonly SchedulerConfig Sd15 =
        SchedulerConfig.Load(Path.Combine(Fixtures.Sd15TinyPipeline, "scheduler", "scheduler_config.json"));

    // float32 scheduler against a float64 reference fed the same sample each step: float32 rounding of the sigmas,
    // lambdas and coefficients (measured max 3.6e-6); a wrong coefficient or order
    // moves samples by 1e-2 or more.
    const double Atol = 2e-5, Rtol = 2e-5;

    [Theory]
    [InlineData("dpmsolver++", "midpoint", 3, 20, "epsilon")]
    [InlineData("dpmsolver", "midpoint", 3, 20, "epsilon")]
    [InlineData("dpmsolver++", "heun", 3, 20, "epsilon")]
    [InlineData("dpmsolver++", "midpoint", 2, 20, "epsilon")]
    [InlineData("dpmsolver++", "heun", 2, 20, "epsilon")]
    [InlineData("dpmsolver", "midpoint", 2, 20, "epsilon")]
    [InlineData("dpmsolver", "heun", 2, 20, "epsilon")]
    [InlineData("dpmsolver++", "midpoint", 3, 12, "v_prediction")]
    [InlineData("dpmsolver", "heun", 2, 12, "v_prediction")]
    [InlineData("dpmsolver++", "heun", 2, 12, "sample")]
    [InlineData("dpmsolver", "midpoint", 3, 12, "sample")]
    // lower_order_final: below 15 steps the last step is first order and (order 3) the one before second order.
    [InlineData("dpmsolver++", "midpoint", 2, 14, "epsilon")]
    [InlineData("dpmsolver++", "midpoint", 2, 15, "epsilon")]
    [InlineData("dpmsolver++", "midpoint", 3, 14, "epsilon")]
    [InlineData("dpmsolver++", "midpoint", 3, 15, "epsilon")]
    [InlineData("dpmsolver", "heun", 3, 14, "epsilon")]
    [InlineData("dpmsolver", "heun", 3, 15, "epsilon")]
    public void StepsFollowTheClosedFormUpdate(string algorithm, string solverType, int order, int steps, string prediction) =>
        Run(Sd15 with
        {
            AlgorithmType = algorithm, SolverType = solverType, SolverOrder = order, PredictionType = prediction,
            TimestepSpacing = "linspace",
        }, steps);

    [Theory]
    [InlineData(14, false, null)]
    [InlineData(10, null, "zero")]
    [InlineData(20, null, "zero")]
    public void FinalStepOptionsFollowTheClosedFormUpdate(int steps, bool? lowerOrderFinal, string? finalSigmas) =>
        Run(Sd15 with
        {
            AlgorithmType = "dpmsolver++", SolverOrder = 3, TimestepSpacing = "linspace",
            LowerOrderFinal = lowerOrderFinal, FinalSigmasType = finalSigmas,
        }, steps);

    /// <summary>Exactly the orders of diffusers' step(): warm-up by the history available, and with lower_order_final
    /// fewer than 15 steps end with a second- then first-order step (final_sigmas_type "zero" always ends first order).</summary>
    public static int OrderAt(int i, int steps, int order, bool lowerOrderFinal, bool finalSigmaZero)
    {
        var lowerEnd = lowerOrderFinal && steps < 15;
        if (i == steps - 1 && (lowerEnd || finalSigmaZero)) return 1;
        if (i == steps - 2 && lowerEnd) return Math.Min(order, 2);
        return Math.Min(order, i + 1);
    }

    [Fact]
    public void OrderScheduleAroundTheFifteenStepBoundary()
    {
        Assert.Equal([1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1], Enumerable.Range(0, 14).Select(i => OrderAt(i, 14, 2, true, false)));
        Assert.Equal([1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], Enumerable.Range(0, 15).Select(i => OrderAt(i, 15, 2, true, false)));
        Assert.Equal([1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 1], Enumerable.Range(0, 14).Select(i => OrderAt(i, 14, 3, true, false)));
        Assert.Equal([1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], Enumerable.Range(0, 15).Select(i => OrderAt(i, 15, 3, true, false)));
    }

    void Run(SchedulerConfig config, int steps)
    {
        using var scope = NewDisposeScope();
        using var dpm = new DPMSolverMultistepScheduler(config);
        dpm.SetTimesteps(steps);
        Assert.Equal(steps, dpm.StepCount);
        var plusPlus = config.AlgorithmType == "dpmsolver++";
        var heun = config.SolverType == "heun";
        var prediction = config.PredictionType!;
        var sigmas = dpm.Sigmas.to(ScalarType.Float64).data<double>().ToArray();
        CheckSigmas(dpm, sigmas, config.FinalSigmasType == "zero");

        (double Alpha, double Sigma, double Lambda) At(int i)
        {
            var alpha = 1 / Math.Sqrt(sigmas[i] * sigmas[i] + 1);
            var sigma = sigmas[i] * alpha;
            return (alpha, sigma, Math.Log(alpha) - Math.Log(sigma));
        }

        // A plausible but imperfect model: the noise of a fixed x0 plus a fresh perturbation every step.
        var x0 = randn(1, 4, 8, 8, ScalarType.Float64, generator: new Generator(11)) * 0.5;
        var sample = (x0 * At(0).Alpha + randn(1, 4, 8, 8, ScalarType.Float64, generator: new Generator(12)) * At(0).Sigma).to(ScalarType.Float32);
        var history = new List<Tensor>();
        var worst = 0.0;
        var orders = new List<int>();
        for (var i = 0; i < steps; i++)
        {
            var (alpha, sigma, _) = At(i);
            var x = sample.to(ScalarType.Float64);
            var perturbation = randn(1, 4, 8, 8, ScalarType.Float64, generator: new Generator((ulong)(100 + i))) * 0.3;
            var eps = (x - x0 * alpha) / sigma + perturbation;
            var x0Hat = (x - eps * sigma) / alpha;
            var raw = prediction switch { "epsilon" => eps, "sample" => x0Hat, _ => eps * alpha - x0Hat * sigma };
            var modelOutput = raw.to(ScalarType.Float32);
            var m = modelOutput.to(ScalarType.Float64);
            // DPM-Solver++ integrates the data prediction, DPM-Solver the noise prediction.
            history.Add(plusPlus
                ? prediction switch { "epsilon" => (x - m * sigma) / alpha, "sample" => m, _ => x * alpha - m * sigma }
                : prediction switch { "epsilon" => m, "sample" => (x - m * alpha) / sigma, _ => m * alpha + x * sigma });

            var k = OrderAt(i, steps, config.SolverOrder!.Value, config.LowerOrderFinal ?? true, config.FinalSigmasType == "zero");
            orders.Add(k);
            var expected = Update(k, x, history, At(i + 1), At(i), i >= 1 ? At(i - 1).Lambda : double.NaN,
                i >= 2 ? At(i - 2).Lambda : double.NaN, plusPlus, heun);
            sample = dpm.Step(modelOutput, i, sample).PrevSample;
            worst = Math.Max(worst, TensorAssert.Close(expected, sample, Atol, Rtol, $"step {i} (order {k})"));
        }
        output.WriteLine($"orders {string.Join("", orders)}; max |scheduler - closed form| {worst:G3}");
    }

    /// <summary>
    /// One multistep update from s0 to t, with h = lambda_t - lambda_s0 and D0, D1, D2 the history's divided
    /// differences in lambda scaled by h (r0 = h0/h, r1 = h1/h):
    /// DPM-Solver++: x_t = (sigma_t/sigma_s0) x - alpha_t (e^-h - 1) D0 [+ midpoint: -alpha_t (e^-h - 1)/2 D1 | heun or
    /// third order: + alpha_t ((e^-h - 1)/h + 1) D1] [- alpha_t ((e^-h - 1 + h)/h^2 - 1/2) D2];
    /// DPM-Solver: x_t = (alpha_t/alpha_s0) x - sigma_t (e^h - 1) D0 [- sigma_t (e^h - 1)/2 D1 | - sigma_t ((e^h - 1)/h - 1) D1]
    /// [- sigma_t ((e^h - 1 - h)/h^2 - 1/2) D2].
    /// </summary>
    static Tensor Update(int order, Tensor x, List<Tensor> history, (double Alpha, double Sigma, double Lambda) t,
        (double Alpha, double Sigma, double Lambda) s0, double lambdaS1, double lambdaS2, bool plusPlus, bool heun)
    {
        var h = t.Lambda - s0.Lambda;
        var m0 = history[^1];
        // phi1 = e^-h - 1 (DPM-Solver++) or e^h - 1 (DPM-Solver); phi2, phi3 the next terms of the exponential integrator.
        double phi1 = plusPlus ? Math.Exp(-h) - 1 : Math.Exp(h) - 1;
        double phi2 = plusPlus ? phi1 / h + 1 : phi1 / h - 1;
        double phi3 = plusPlus ? (phi1 + h) / (h * h) - 0.5 : (phi1 - h) / (h * h) - 0.5;
        var (baseTerm, scale) = plusPlus ? (x * (t.Sigma / s0.Sigma), t.Alpha) : (x * (t.Alpha / s0.Alpha), t.Sigma);
        var result = baseTerm - m0 * (scale * phi1);
        if (order == 1) return result;

        var r0 = (s0.Lambda - lambdaS1) / h;
        var d10 = (m0 - history[^2]) / r0;
        if (order == 2)
        {
            if (!heun) return result - d10 * (0.5 * scale * phi1);
            return plusPlus ? result + d10 * (scale * phi2) : result - d10 * (scale * phi2);
        }

        var r1 = (lambdaS1 - lambdaS2) / h;
        var d11 = (history[^2] - history[^3]) / r1;
        var d1 = d10 + (d10 - d11) * (r0 / (r0 + r1));
        var d2 = (d10 - d11) / (r0 + r1);
        return plusPlus
            ? result + d1 * (scale * phi2) - d2 * (scale * phi3)
            : result - d1 * (scale * phi2) - d2 * (scale * phi3);
    }

    /// <summary>The schedule the reference uses: sigma = sqrt((1 - abar) / abar) at each timestep, then the final sigma.</summary>
    static void CheckSigmas(DPMSolverMultistepScheduler dpm, double[] sigmas, bool finalZero)
    {
        var table = dpm.AlphasCumprod.to(ScalarType.Float64).data<double>().ToArray();
        var timesteps = dpm.Timesteps.data<long>().ToArray();
        for (var i = 0; i < timesteps.Length; i++)
        {
            var expected = Math.Sqrt((1 - table[timesteps[i]]) / table[timesteps[i]]);
            Assert.True(Math.Abs(sigmas[i] - expected) <= 1e-6 * expected, $"sigma {i}: {sigmas[i]} != {expected}");
        }
        Assert.Equal(finalZero ? 0 : Math.Sqrt((1 - table[0]) / table[0]), sigmas[^1], 1e-6);
    }
}
