using KosmosG.Schedulers;
using KosmosG.Weights;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KosmosG.Tests.Schedulers;

/// <summary>The schedulers as the pipelines drive them: the e2e cases' timesteps, UNet inputs and per-step latents,
/// replayed from the recorded UNet outputs (so only scheduler arithmetic is compared).</summary>
public class PipelineTimestepTests(ITestOutputHelper output)
{
    // The scheduler cases' tolerance (cases.json); the inputs here are the recorded UNet outputs, so no model error adds up.
    const double Atol = 1e-5, Rtol = 1e-5;

    [Theory]
    [InlineData("e2e_pndm", "pndm", 5, 7.5)]
    [InlineData("e2e_dpmpp_2m", "dpms", 6, 5.0)]
    [InlineData("e2e_euler_nocfg", "euler", 4, 1.0)]
    public void Sd15PipelineStepsMatch(string caseName, string schedulerName, int steps, double guidanceScale)
    {
        using var scope = NewDisposeScope();
        var expected = Fixtures.Sd15Case(caseName);
        using var scheduler = SchedulerFactory.Create(schedulerName,
            SchedulerConfig.Load(SchedulerFixtureTests.ConfigPath(caseName)));
        scheduler.SetTimesteps(steps);
        Assert.Equal(expected["timesteps"].dtype, scheduler.Timesteps.dtype);
        TensorAssert.Equal(expected["timesteps"], scheduler.Timesteps, "timesteps");

        var cfg = guidanceScale > 1;
        var latents = expected["latents"] * scheduler.InitNoiseSigma;
        double worstInput = 0, worstLatent = 0;
        for (var i = 0; i < scheduler.Timesteps.shape[0]; i++)
        {
            var unetInput = scheduler.ScaleModelInput(cfg ? cat([latents, latents]) : latents, i);
            worstInput = Math.Max(worstInput, TensorAssert.Close(expected["unet_inputs"][i], unetInput, Atol, Rtol, $"unet_inputs[{i}]"));
            var eps = expected["unet_outputs"][i];
            if (cfg) eps = eps[0..1] + (eps[1..2] - eps[0..1]) * guidanceScale;
            latents = scheduler.Step(eps, i, latents).PrevSample;
            worstLatent = Math.Max(worstLatent, TensorAssert.Close(expected["step_latents"][i], latents, Atol, Rtol, $"step_latents[{i}]"));
        }
        TensorAssert.Close(expected["final_latents"], latents, Atol, Rtol, "final_latents");
        output.WriteLine($"{caseName}: unet_inputs max|diff| {worstInput:G3}, step_latents max|diff| {worstLatent:G3}");
    }

    /// <summary>KOSMOS-G e2e: DPM-Solver++ from the SD config without timestep_spacing (as the real SD v1.5 config),
    /// so DPM-Solver's own default (linspace) applies: [999, 749, 500, 250]. Then the 4 steps on the recorded guided eps
    /// (diffusers 0.21.4, the version KOSMOS-G pins).</summary>
    [Fact]
    public void KosmosGDpmSolverScheduleAndSteps()
    {
        using var scope = NewDisposeScope();
        var config = SchedulerConfig.Load(Path.Combine(Fixtures.Sd15TinyPipeline, "scheduler", "scheduler_config.json"))
            with { TimestepSpacing = null };
        using var scheduler = SchedulerFactory.Create("dpms", config);
        scheduler.SetTimesteps(4);
        Assert.Equal(ScalarType.Int64, scheduler.Timesteps.dtype);
        Assert.Equal(new long[] { 999, 749, 500, 250 }, scheduler.Timesteps.data<long>().ToArray());

        using var file = SafeTensorsFile.Open(Path.Combine(Fixtures.KosmosGTiny, "cases.safetensors"));
        TensorAssert.Equal(file.Read("e2e.timesteps"), scheduler.Timesteps, "e2e.timesteps");
        Assert.Equal(1.0, scheduler.InitNoiseSigma);
        var latents = file.Read("e2e.init_latents");
        var guidedEps = file.Read("e2e.guided_eps");
        var perStep = file.Read("e2e.latents_per_step");
        // README: latents 1e-3 relative to their std (~15); measured error is far smaller.
        var atol = 1e-3 * perStep.std().item<float>();
        double worst = 0;
        for (var i = 0; i < 4; i++)
        {
            latents = scheduler.Step(guidedEps[i], i, latents).PrevSample;
            worst = Math.Max(worst, TensorAssert.Close(perStep[i], latents, atol, 0, $"latents_per_step[{i}]"));
        }
        output.WriteLine($"kosmosg e2e: latents_per_step max|diff| {worst:G3} (atol {atol:G3})");
    }
}
