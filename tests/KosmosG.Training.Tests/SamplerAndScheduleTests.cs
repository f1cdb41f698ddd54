using KosmosG.Training.Adapters;
using KosmosG.Training.Data;
using KosmosG.Training.Optimization;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

public sealed class SamplerAndScheduleTests
{
    [Fact]
    public void EpochOrderIsAPermutationFixedBySeedAndEpoch()
    {
        var a = new EpochSampler(50, seed: 7);
        var b = new EpochSampler(50, seed: 7);
        Assert.Equal(Enumerable.Range(0, 50), a.Order(0).Order());
        Assert.Equal(a.Order(3), b.Order(3));
        Assert.NotEqual(a.Order(0), a.Order(1));
        Assert.NotEqual(a.Order(0), new EpochSampler(50, seed: 8).Order(0));
    }

    [Theory]
    [InlineData(TimestepSampling.Uniform, 0.5)]
    [InlineData(TimestepSampling.Cubic, 0.7937)] // P(1 - u^3 >= 1/2) = 2^(-1/3)
    public void AdapterTimestepsStayInRangeAndCubicOnesFavourHighNoise(TimestepSampling sampling, double highShare)
    {
        using var generator = new Generator(5);
        using var t = TimestepSampler.Sample(sampling, 1000, 20_000, generator);
        Assert.Equal(ScalarType.Int64, t.dtype);
        Assert.InRange(t.min().item<long>(), 0, 10);
        Assert.InRange(t.max().item<long>(), 990, 999);
        Assert.InRange(t.ge(500).to(ScalarType.Float64).mean().item<double>(), highShare - 0.015, highShare + 0.015);
        using var again = new Generator(5);
        Assert.True(t.Equals(TimestepSampler.Sample(sampling, 1000, 20_000, again)), "same generator state, different timesteps");
    }

    [Fact]
    public void TakingFromASavedPositionContinuesTheSameStream()
    {
        var sampler = new EpochSampler(7, seed: 3);
        var position = DataPosition.Start;
        var straight = new List<SampleRef>();
        var positions = new List<DataPosition>();
        for (var i = 0; i < 6; i++)
        {
            var (samples, next) = sampler.Take(position, 3);
            straight.AddRange(samples);
            positions.Add(position = next);
        }
        Assert.Equal(new DataPosition(2, 4), positions[^1]); // 18 draws = 2 epochs of 7 + 4
        var resumed = new EpochSampler(7, seed: 3).Take(positions[2], 9).Samples; // batches 4..6 from the position after batch 3
        Assert.Equal(straight.Skip(9), resumed);
        Assert.Equal(straight.Take(7).Select(s => s.Example).Order(), Enumerable.Range(0, 7));
    }

    [Fact]
    public void PrefetchLoaderDeliversBatchesInOrderAndReportsBuilderErrors()
    {
        var sampler = new EpochSampler(5, seed: 1);
        using (var loader = new PrefetchLoader<int[]>(sampler, 2, DataPosition.Start, s => s.Select(x => x.Example).ToArray(), capacity: 2))
        {
            var expected = DataPosition.Start;
            for (var i = 0; i < 4; i++)
            {
                var batch = loader.Next();
                var (samples, next) = sampler.Take(expected, 2);
                Assert.Equal(samples.Select(s => s.Example), batch.Batch);
                Assert.Equal(expected, batch.Start);
                Assert.Equal(next, batch.Next);
                expected = next;
            }
        }
        using var failing = new PrefetchLoader<int>(sampler, 2, DataPosition.Start, _ => throw new InvalidDataException("line 3: broken"));
        var e = Assert.Throws<InvalidDataException>(() => failing.Next());
        Assert.Contains("line 3: broken", e.Message);
    }

    [Fact]
    public void PolynomialDecayMatchesFairseq()
    {
        var s = new PolynomialDecaySchedule(1e-3, WarmupUpdates: 4, TotalUpdates: 12);
        // fairseq: lr/warmup before the first update, then step_update(n) = n/warmup * lr during warm-up,
        // then linear decay to end_lr 0 at total_num_update.
        double[] expected = [0.25e-3, 0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 0.875e-3, 0.75e-3, 0.625e-3, 0.5e-3, 0.375e-3, 0.25e-3, 0.125e-3, 0, 0];
        for (var n = 0; n < expected.Length; n++) Assert.Equal(expected[n], s.LearningRate(n), 12);
        Assert.Equal(1e-3, new PolynomialDecaySchedule(1e-3, 0, 10).LearningRate(0), 12);
    }

    [Fact]
    public void LossScalerHalvesOnOverflowAndGrowsAfterAWindow()
    {
        var scaler = new DynamicLossScaler(initScale: 4, window: 3, minScale: 0.5);
        scaler.Update(overflow: true);
        Assert.Equal(2, scaler.Scale);
        for (var i = 0; i < 3; i++) scaler.Update(false);
        Assert.Equal(4, scaler.Scale);
        scaler.Update(true);
        scaler.Update(true);
        Assert.Equal(1, scaler.Scale);
        scaler.Update(true);
        Assert.Equal(0.5, scaler.Scale);
        Assert.Throws<InvalidOperationException>(() => scaler.Update(true));
    }
}
