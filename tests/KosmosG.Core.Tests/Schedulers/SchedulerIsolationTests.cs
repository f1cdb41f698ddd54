using KosmosG.Schedulers;
using static TorchSharp.torch;

namespace KosmosG.Tests.Schedulers;

/// <summary>Schedulers keep per-request state only: interleaved instances behave as if run alone, state survives the
/// caller disposing its tensors, and SetTimesteps starts afresh.</summary>
public class SchedulerIsolationTests
{
    [Theory]
    [InlineData("scheduler_dpmpp_2m", "dpms", 10)]
    [InlineData("scheduler_pndm", "pndm", 10)]
    [InlineData("scheduler_euler_ancestral", "euler-a", 8)]
    public void InterleavedInstancesMatchSeparateRuns(string caseName, string name, int steps)
    {
        var fixture = Fixtures.Sd15Case(caseName);
        var config = SchedulerConfig.Load(SchedulerFixtureTests.ConfigPath(caseName));
        Tensor Output(int run, int i) => run == 0 ? fixture["model_outputs"][i] : fixture["model_outputs"][i].flip(3) * 0.7;
        Tensor Start(int run) => run == 0 ? fixture["initial_sample"] : fixture["initial_sample"].flip(2);
        // Euler ancestral: the fixture's step noise for run 0, a different one for run 1.
        Tensor? Noise(int run, int i) => fixture.TryGetValue("step_noise", out var noise) ? (run == 0 ? noise[i] : noise[i].flip(2)) : null;

        var alone = new[] { Run(name, config, steps, 0, Start(0), Output, Noise), Run(name, config, steps, 1, Start(1), Output, Noise) };

        using var a = SchedulerFactory.Create(name, config);
        using var b = SchedulerFactory.Create(name, config);
        a.SetTimesteps(steps);
        b.SetTimesteps(steps);
        var samples = new[] { Start(0), Start(1) };
        var schedulers = new[] { a, b };
        for (var i = 0; i < a.Timesteps.shape[0]; i++)
            for (var run = 0; run < 2; run++)
            {
                // Each step in its own dispose scope, as a pipeline would: the scheduler's history must survive it.
                using var scope = NewDisposeScope();
                samples[run] = StepOnce(schedulers[run], i, Output(run, i), samples[run], Noise(run, i)).MoveToOuterDisposeScope();
            }
        for (var run = 0; run < 2; run++)
            Assert.True(alone[run].Equals(samples[run]), $"run {run}: interleaved result differs from the separate run");
        TensorAssert.Close(fixture["samples"][-1], samples[0], 1e-5, 1e-5, "interleaved run vs fixture");
    }

    [Fact]
    public void SetTimestepsResetsMultistepState()
    {
        var fixture = Fixtures.Sd15Case("scheduler_dpmpp_2m");
        var config = SchedulerConfig.Load(SchedulerFixtureTests.ConfigPath("scheduler_dpmpp_2m"));
        using var scheduler = SchedulerFactory.Create("dpms", config);
        Tensor Output(int run, int i) => fixture["model_outputs"][i];
        var first = RunOn(scheduler, 10, 0, fixture["initial_sample"], Output, (_, _) => null);
        var second = RunOn(scheduler, 10, 0, fixture["initial_sample"], Output, (_, _) => null);
        Assert.True(first.Equals(second));
    }

    static Tensor Run(string name, SchedulerConfig config, int steps, int run, Tensor start,
        Func<int, int, Tensor> output, Func<int, int, Tensor?> noise)
    {
        using var scheduler = SchedulerFactory.Create(name, config);
        return RunOn(scheduler, steps, run, start, output, noise);
    }

    static Tensor RunOn(IScheduler scheduler, int steps, int run, Tensor start, Func<int, int, Tensor> output, Func<int, int, Tensor?> noise)
    {
        scheduler.SetTimesteps(steps);
        var sample = start;
        for (var i = 0; i < scheduler.Timesteps.shape[0]; i++) sample = StepOnce(scheduler, i, output(run, i), sample, noise(run, i));
        return sample;
    }

    static Tensor StepOnce(IScheduler scheduler, int i, Tensor modelOutput, Tensor sample, Tensor? noise) =>
        scheduler is EulerAncestralDiscreteScheduler ancestral
            ? ancestral.StepWithNoise(modelOutput, i, sample, noise!).PrevSample
            : scheduler.Step(modelOutput, i, sample).PrevSample;
}
