using KosmosG.Schedulers;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Schedulers;

/// <summary>Every sd15-tiny scheduler case (diffusers 0.25.1): set_timesteps, then scale_model_input and step in order on
/// one instance, starting from initial_sample and feeding our own samples forward, against the recorded tensors.</summary>
public class SchedulerFixtureTests(ITestOutputHelper output)
{
    // cases.json tolerance of every scheduler case.
    const double Atol = 1e-5, Rtol = 1e-5;
    // cases.json note: "sigmas/alphas_cumprod ~1e-7 rel".
    const double TableRtol = 1e-6;

    public static string ConfigPath(string caseName) =>
        Path.Combine(Fixtures.Sd15Tiny, "cases", caseName + ".scheduler_config.json");

    [Theory]
    [InlineData("scheduler_ddim", "ddim", 10)]
    [InlineData("scheduler_ddim_trailing", "ddim", 6)]
    [InlineData("scheduler_pndm", "pndm", 10)]
    [InlineData("scheduler_euler", "euler", 8)]
    [InlineData("scheduler_euler_linspace", "euler", 7)]
    [InlineData("scheduler_euler_ancestral", "euler-a", 8)]
    [InlineData("scheduler_dpmpp_2m", "dpms", 10)]
    public void StepsMatchDiffusers(string caseName, string schedulerName, int steps)
    {
        using var scope = NewDisposeScope();
        var expected = Fixtures.Sd15Case(caseName);
        using var scheduler = (DiffusionScheduler)SchedulerFactory.Create(schedulerName, SchedulerConfig.Load(ConfigPath(caseName)));
        scheduler.SetTimesteps(steps);

        Assert.Equal(expected["timesteps"].dtype, scheduler.Timesteps.dtype);
        TensorAssert.Equal(expected["timesteps"], scheduler.Timesteps, "timesteps");
        var initSigma = expected["init_noise_sigma"].item<float>();
        Assert.True(Math.Abs(scheduler.InitNoiseSigma - initSigma) <= TableRtol * initSigma,
            $"init_noise_sigma {scheduler.InitNoiseSigma} != {initSigma}");
        var worst = new Dictionary<string, double>
        {
            ["alphas_cumprod"] = TensorAssert.Close(expected["alphas_cumprod"], scheduler.AlphasCumprod, 0, TableRtol, "alphas_cumprod"),
        };
        if (expected.TryGetValue("sigmas", out var sigmas))
            worst["sigmas"] = TensorAssert.Close(sigmas, SigmasOf(scheduler), 0, TableRtol, "sigmas");

        var sample = expected["initial_sample"];
        for (var i = 0; i < scheduler.StepCount; i++)
        {
            var scaled = scheduler.ScaleModelInput(sample, i);
            Track(worst, "scaled_model_inputs", TensorAssert.Close(expected["scaled_model_inputs"][i], scaled, Atol, Rtol, $"scaled_model_inputs[{i}]"));
            var step = scheduler is EulerAncestralDiscreteScheduler ancestral
                ? ancestral.StepWithNoise(expected["model_outputs"][i], i, sample, expected["step_noise"][i])
                : scheduler.Step(expected["model_outputs"][i], i, sample);
            Track(worst, "samples", TensorAssert.Close(expected["samples"][i + 1], step.PrevSample, Atol, Rtol, $"samples[{i + 1}]"));
            if (expected.TryGetValue("pred_original_samples", out var x0))
            {
                Assert.NotNull(step.PredOriginalSample);
                Track(worst, "pred_original_samples", TensorAssert.Close(x0[i], step.PredOriginalSample!, Atol, Rtol, $"pred_original_samples[{i}]"));
            }
            sample = step.PrevSample;
        }
        output.WriteLine($"{caseName}: " + string.Join(", ", worst.Select(kv =>
            $"{kv.Key} max|diff| {kv.Value:G3} (max|expected| {expected[kv.Key].abs().max().item<float>():G3})")));
    }

    static Tensor SigmasOf(DiffusionScheduler scheduler) => scheduler switch
    {
        SigmaScheduler s => s.Sigmas,
        DPMSolverMultistepScheduler d => d.Sigmas,
        _ => throw new InvalidOperationException($"{scheduler.GetType().Name} has no sigmas"),
    };

    static void Track(Dictionary<string, double> worst, string key, double value) =>
        worst[key] = Math.Max(worst.GetValueOrDefault(key), value);
}
