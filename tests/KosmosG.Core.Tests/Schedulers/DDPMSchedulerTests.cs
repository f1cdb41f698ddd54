using KosmosG.Schedulers;
using static TorchSharp.torch;

namespace KosmosG.Tests.Schedulers;

public class DDPMSchedulerTests
{
    static readonly SchedulerConfig Sd15 =
        SchedulerConfig.Load(Path.Combine(Fixtures.Sd15TinyPipeline, "scheduler", "scheduler_config.json"));

    [Fact]
    public void AlphasCumprodMatchesTheFixtureSchedule()
    {
        using var ddpm = new DDPMScheduler(Sd15);
        // cases.json note: alphas_cumprod ~1e-7 relative.
        TensorAssert.Close(Fixtures.Sd15Case("scheduler_ddim")["alphas_cumprod"], ddpm.AlphasCumprod, 0, 1e-6, "alphas_cumprod");
    }

    [Fact]
    public void AddNoiseAndVelocityFollowTheFormula()
    {
        using var scope = NewDisposeScope();
        using var ddpm = new DDPMScheduler(Sd15);
        // Explicit float32: a test loading a bf16 model in parallel changes the process's default dtype for a moment.
        var original = randn(3, 4, 8, 8, dtype: ScalarType.Float32, generator: new Generator(5));
        var noise = randn(3, 4, 8, 8, dtype: ScalarType.Float32, generator: new Generator(6));
        var timesteps = tensor(new long[] { 0, 500, 999 });
        var noisy = ddpm.AddNoise(original, noise, timesteps);
        var velocity = ddpm.GetVelocity(original, noise, timesteps);
        var ac = ddpm.AlphasCumprod.to(ScalarType.Float64);
        for (var row = 0; row < 3; row++)
        {
            var a = ac[timesteps[row]].item<double>();
            var x = original[row].to(ScalarType.Float64);
            var n = noise[row].to(ScalarType.Float64);
            TensorAssert.Close(x * Math.Sqrt(a) + n * Math.Sqrt(1 - a), noisy[row], 1e-6, 1e-6, $"add_noise row {row}");
            TensorAssert.Close(n * Math.Sqrt(a) - x * Math.Sqrt(1 - a), velocity[row], 1e-6, 1e-6, $"velocity row {row}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ddpm.AddNoise(original, noise, tensor(new long[] { 0, 1, 1000 })));
        Assert.Throws<ArgumentException>(() => ddpm.AddNoise(original, noise, tensor(new long[] { 0, 1 })));
        Assert.Throws<ArgumentException>(() => ddpm.AddNoise(original, noise[..2], timesteps));
    }
}
