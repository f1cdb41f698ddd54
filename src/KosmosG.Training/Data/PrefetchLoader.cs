using System.Threading.Channels;

namespace KosmosG.Training.Data;

/// <summary>A prepared batch and the data position just after it (what a checkpoint taken after this batch resumes from).</summary>
public sealed record LoadedBatch<TBatch>(TBatch Batch, DataPosition Start, DataPosition Next);

/// <summary>
/// Builds batches on a background thread into a bounded channel so file reading, image decoding and tokenising
/// overlap the model work. The builder must produce plain managed data (no tensors): TorchSharp dispose scopes and
/// grad mode are per thread, so tensors are made on the training thread that consumes <see cref="Next"/>.
/// </summary>
public sealed class PrefetchLoader<TBatch> : IDisposable
{
    readonly Channel<LoadedBatch<TBatch>> _channel;
    readonly CancellationTokenSource _stop = new();
    readonly Thread _producer;

    public PrefetchLoader(EpochSampler sampler, int batchSize, DataPosition start,
        Func<IReadOnlyList<SampleRef>, TBatch> build, int capacity = 4)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        _channel = Channel.CreateBounded<LoadedBatch<TBatch>>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _producer = new Thread(() => Produce(sampler, batchSize, start, build)) { IsBackground = true, Name = "data-prefetch" };
        _producer.Start();
    }

    void Produce(EpochSampler sampler, int batchSize, DataPosition position, Func<IReadOnlyList<SampleRef>, TBatch> build)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var (samples, next) = sampler.Take(position, batchSize);
                var batch = new LoadedBatch<TBatch>(build(samples), position, next);
                if (!_channel.Writer.WaitToWriteAsync(_stop.Token).AsTask().GetAwaiter().GetResult()) return;
                if (!_channel.Writer.TryWrite(batch)) return;
                position = next;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception e) { _channel.Writer.TryComplete(e); return; }
        _channel.Writer.TryComplete();
    }

    /// <summary>Blocks the calling (training) thread until the next batch is ready; rethrows a builder failure.</summary>
    public LoadedBatch<TBatch> Next()
    {
        try
        {
            return _channel.Reader.ReadAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            throw new InvalidDataException($"loading training data failed: {e.InnerException.Message}", e.InnerException);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _producer.Join();
        _stop.Dispose();
    }
}
