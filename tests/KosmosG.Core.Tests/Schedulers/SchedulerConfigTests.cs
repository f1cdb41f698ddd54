using KosmosG.Schedulers;
using static TorchSharp.torch;

namespace KosmosG.Tests.Schedulers;

public class SchedulerConfigTests
{
    static IScheduler Create(string name, string json) => SchedulerFactory.Create(name, SchedulerConfig.Parse(json));

    static long[] TimestepsOf(IScheduler scheduler, int steps)
    {
        scheduler.SetTimesteps(steps);
        return scheduler.Timesteps.to(ScalarType.Int64).data<long>().ToArray();
    }

    [Fact]
    public void ParsesPythonJsonWithInfinityAndNulls()
    {
        var config = SchedulerConfig.Load(SchedulerFixtureTests.ConfigPath("scheduler_dpmpp_2m"));
        Assert.Equal(double.NegativeInfinity, config.LambdaMinClipped);
        Assert.Equal("dpmsolver++", config.AlgorithmType);
        Assert.Equal(2, config.SolverOrder);
        Assert.Equal(0.00085, config.BetaStart);
        Assert.Equal("leading", config.TimestepSpacing);
        Assert.Null(config.TrainedBetas);
        Assert.Null(config.VarianceType);
        Assert.Null(config.InterpolationType);
    }

    [Fact]
    public void AbsentKeysTakeEachSchedulersOwnDefault()
    {
        // No timestep_spacing / steps_offset: DPM-Solver and the Euler schedulers default to linspace, DDIM and PNDM to
        // leading with offset 0 (diffusers 0.21.4).
        const string json = """{"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "skip_prk_steps": true}""";
        using (var dpms = Create("dpms", json)) Assert.Equal(new long[] { 999, 749, 500, 250 }, TimestepsOf(dpms, 4));
        using (var ddim = Create("ddim", json)) Assert.Equal(new long[] { 750, 500, 250, 0 }, TimestepsOf(ddim, 4));
        using (var pndm = Create("pndm", json)) Assert.Equal(new long[] { 750, 500, 500, 250, 0 }, TimestepsOf(pndm, 4));
        using var euler = Create("euler", json);
        euler.SetTimesteps(4);
        Assert.Equal(new[] { 999f, 666f, 333f, 0f }, euler.Timesteps.data<float>().ToArray());
    }

    [Fact]
    public void PndmWithoutSkipPrkStepsRunsRungeKuttaFirst()
    {
        using var pndm = Create("pndm", """{"steps_offset": 1}""");
        // numpy: (last4.repeat(2) + tile([0, 50], 4))[:-1].repeat(2)[1:-1][::-1], then the PLMS part _timesteps[:-3][::-1].
        Assert.Equal(new long[] { 901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1 },
            TimestepsOf(pndm, 10));
        using var scope = NewDisposeScope();
        var sample = randn(1, 4, 8, 8, generator: new Generator(7));
        for (var i = 0; i < 19; i++) sample = pndm.Step(sample * 0.1, i, sample).PrevSample;
        Assert.True(sample.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData("""{"num_train_timesteps": "many"}""", "num_train_timesteps")]
    [InlineData("""{"use_karras_sigmas": 1}""", "use_karras_sigmas")]
    [InlineData("""{"trained_betas": 0.1}""", "trained_betas")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{"beta_start": }""", "invalid JSON")]
    public void MalformedConfigIsAnInvalidDataException(string json, string mentioned)
    {
        var error = Assert.Throws<InvalidDataException>(() => SchedulerConfig.Parse(json, "my_config.json"));
        Assert.Contains("my_config.json", error.Message);
        Assert.Contains(mentioned, error.Message);
    }

    [Fact]
    public void MissingFileIsReported()
    {
        var error = Assert.Throws<FileNotFoundException>(() => SchedulerConfig.Load("/nonexistent/scheduler_config.json"));
        Assert.Contains("/nonexistent/scheduler_config.json", error.Message);
    }

    [Theory]
    [InlineData("ddim", """{"beta_schedule": "cubic"}""", "beta_schedule")]
    [InlineData("euler", """{"timestep_spacing": "sideways"}""", "timestep_spacing")]
    [InlineData("pndm", """{"prediction_type": "sample"}""", "prediction_type")]
    [InlineData("euler-a", """{"prediction_type": "sample"}""", "prediction_type")]
    [InlineData("dpms", """{"solver_order": 4}""", "solver_order")]
    [InlineData("dpms", """{"algorithm_type": "sde-dpmsolver++"}""", "algorithm_type")]
    [InlineData("dpms", """{"solver_type": "rk4"}""", "solver_type")]
    [InlineData("dpms", """{"use_lu_lambdas": true}""", "use_lu_lambdas")]
    [InlineData("euler", """{"interpolation_type": "log_linear"}""", "interpolation_type")]
    [InlineData("ddim", """{"rescale_betas_zero_snr": true}""", "rescale_betas_zero_snr")]
    [InlineData("ddim", """{"num_train_timesteps": 3, "trained_betas": [0.1, 0.2]}""", "trained_betas")]
    [InlineData("ddim", """{"trained_betas": [0.5, 1.0], "num_train_timesteps": 2}""", "betas")]
    public void UnsupportedOptionValuesAreClearErrors(string name, string json, string key)
    {
        var error = Assert.Throws<ArgumentException>(() => Create(name, json));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void UnknownSchedulerNameListsTheValidNames()
    {
        var error = Assert.Throws<ArgumentException>(() => SchedulerFactory.Create("heun", new SchedulerConfig()));
        Assert.Contains("'heun'", error.Message);
        foreach (var name in new[] { "dpms", "pndm", "ddim", "euler", "euler-a" })
        {
            Assert.Contains(name, error.Message);
            Assert.Contains(name, SchedulerFactory.Names);
        }
    }

    [Fact]
    public void StepsOutsideTheScheduleOrOutOfOrderAreRejected()
    {
        using var scope = NewDisposeScope();
        var sample = zeros(1, 4, 2, 2);
        using var dpms = Create("dpms", "{}");
        Assert.Throws<InvalidOperationException>(() => dpms.Step(sample, 0, sample));
        dpms.SetTimesteps(5);
        Assert.Throws<ArgumentOutOfRangeException>(() => dpms.Step(sample, 5, sample));
        Assert.Throws<ArgumentOutOfRangeException>(() => dpms.SetTimesteps(0));
        Assert.Throws<ArgumentException>(() => dpms.Step(zeros(1, 4, 3, 3), 0, sample));
        var error = Assert.Throws<InvalidOperationException>(() => dpms.Step(sample, 1, sample));
        Assert.Contains("expected step 0", error.Message);
        using var ddim = Create("ddim", """{"steps_offset": 5}""");
        Assert.Throws<ArgumentException>(() => ddim.SetTimesteps(1000));
    }
}
