using KosmosG.Schedulers;
using static TorchSharp.torch;

namespace KosmosG.Tests.Schedulers;

/// <summary>Noise drawing for stochastic steps: one generator per batch row (row i from generators[i], shape of one row),
/// or one generator for the whole batch, exactly as the explicit-noise overloads receive it.</summary>
public class StochasticStepTests
{
    static readonly SchedulerConfig Sd15 =
        SchedulerConfig.Load(SchedulerFixtureTests.ConfigPath("scheduler_euler_ancestral"));

    [Fact]
    public void EulerAncestralDrawsEachRowWithItsGenerator()
    {
        using var scope = NewDisposeScope();
        using var scheduler = new EulerAncestralDiscreteScheduler(Sd15);
        scheduler.SetTimesteps(8);
        var sample = randn(2, 4, 8, 8, generator: new Generator(1));
        var modelOutput = randn(2, 4, 8, 8, generator: new Generator(2));

        var perRow = scheduler.Step(modelOutput, 3, sample, [new Generator(10), new Generator(11)]).PrevSample;
        var rowNoise = cat([randn(1, 4, 8, 8, generator: new Generator(10)), randn(1, 4, 8, 8, generator: new Generator(11))]);
        Assert.True(perRow.Equals(scheduler.StepWithNoise(modelOutput, 3, sample, rowNoise).PrevSample));

        var single = scheduler.Step(modelOutput, 3, sample, [new Generator(10)]).PrevSample;
        var batchNoise = randn(2, 4, 8, 8, generator: new Generator(10));
        Assert.True(single.Equals(scheduler.StepWithNoise(modelOutput, 3, sample, batchNoise).PrevSample));
        Assert.False(single.Equals(perRow));

        Assert.Throws<ArgumentException>(() => scheduler.Step(modelOutput, 3, sample, [new Generator(1), new Generator(2), new Generator(3)]));
        Assert.Throws<ArgumentException>(() => scheduler.StepWithNoise(modelOutput, 3, sample, zeros(1, 4, 8, 8)));
    }

    [Fact]
    public void DdimWithEtaAddsScaledVarianceNoise()
    {
        using var scope = NewDisposeScope();
        var config = SchedulerConfig.Load(SchedulerFixtureTests.ConfigPath("scheduler_ddim"));
        using var deterministic = new DDIMScheduler(config);
        using var stochastic = new DDIMScheduler(config, eta: 1.0);
        deterministic.SetTimesteps(10);
        stochastic.SetTimesteps(10);
        var sample = randn(2, 4, 8, 8, generator: new Generator(3));
        var modelOutput = randn(2, 4, 8, 8, generator: new Generator(4));
        var noise = cat([randn(1, 4, 8, 8, generator: new Generator(20)), randn(1, 4, 8, 8, generator: new Generator(21))]);

        var drawn = stochastic.Step(modelOutput, 4, sample, [new Generator(20), new Generator(21)]);
        Assert.True(drawn.PrevSample.Equals(stochastic.StepWithNoise(modelOutput, 4, sample, noise).PrevSample));

        // eta = 1: std = sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)); prev = sqrt(a_prev) x0 + sqrt(1 - a_prev - std^2) eps + std z.
        var ac = stochastic.AlphasCumprod.to(ScalarType.Float64);
        var t = stochastic.Timesteps[4].item<long>();
        double aT = ac[t].item<double>(), aPrev = ac[t - 100].item<double>();
        var std = Math.Sqrt((1 - aPrev) / (1 - aT) * (1 - aT / aPrev));
        var x0 = drawn.PredOriginalSample!.to(ScalarType.Float64);
        var expected = x0 * Math.Sqrt(aPrev) + modelOutput.to(ScalarType.Float64) * Math.Sqrt(1 - aPrev - std * std) + noise.to(ScalarType.Float64) * std;
        TensorAssert.Close(expected, drawn.PrevSample, 1e-5, 1e-5, "DDIM eta=1 step");
        var plain = deterministic.Step(modelOutput, 4, sample).PrevSample;
        Assert.False(plain.allclose(drawn.PrevSample));
    }
}
