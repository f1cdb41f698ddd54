using KosmosG.Pipelines;
using KosmosG.Service.Options;
using KosmosG.Service.Queue;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace KosmosG.Service.Workers;

/// <summary>
/// The Polly pipeline around one generation on one worker, outermost first: a circuit breaker (a worker whose jobs
/// keep failing leaves readiness for a while), a retry of transient device errors (only before any image was sent,
/// after freeing memory), and a timeout per attempt. Cancellations and invalid requests never count as failures.
/// </summary>
public sealed class GenerationResilience
{
    static readonly ResiliencePropertyKey<Job> JobKey = new("kosmosg.job");
    readonly ResiliencePipeline _pipeline;
    long _openUntilTicks;

    public GenerationResilience(ResilienceOptions o, Action<Exception>? onRetry = null)
    {
        var builder = new ResiliencePipelineBuilder().AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = o.BreakerFailureRatio,
            MinimumThroughput = o.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(o.BreakerSamplingSeconds),
            BreakDuration = TimeSpan.FromSeconds(o.BreakerBreakSeconds),
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && CountsAgainstWorker(e)),
            OnOpened = args =>
            {
                Interlocked.Exchange(ref _openUntilTicks, (DateTimeOffset.UtcNow + args.BreakDuration).UtcTicks);
                return default;
            },
            OnClosed = _ =>
            {
                Interlocked.Exchange(ref _openUntilTicks, 0);
                return default;
            },
        });
        if (o.TransientRetries > 0)
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = o.TransientRetries,
                Delay = TimeSpan.FromMilliseconds(100),
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && TransientDeviceErrors.IsTransient(e) &&
                    args.Context.Properties.TryGetValue(JobKey, out var job) && !job.HasImages && !job.Token.IsCancellationRequested),
                OnRetry = args =>
                {
                    // Tensors of the failed attempt are only freed by their finalizers; run them before trying again.
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    onRetry?.Invoke(args.Outcome.Exception!);
                    return default;
                },
            });
        _pipeline = builder.AddTimeout(TimeSpan.FromSeconds(o.GenerationTimeoutSeconds)).Build();
    }

    /// <summary>When the circuit is open: until when the worker should take no jobs.</summary>
    public DateTimeOffset? OpenUntil => OpenAt(DateTimeOffset.UtcNow);

    /// <summary>The end of the pause when the circuit is open at <paramref name="now"/> (always later than it), else null:
    /// a caller that waits for it subtracts the same <paramref name="now"/>, so the wait is never negative.</summary>
    public DateTimeOffset? OpenAt(DateTimeOffset now)
    {
        var ticks = Interlocked.Read(ref _openUntilTicks);
        return ticks > now.UtcTicks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    /// <summary>Runs the generation synchronously on the calling (worker) thread.</summary>
    public GenerationResult Execute(Job job, Func<CancellationToken, GenerationResult> generate)
    {
        var context = ResilienceContextPool.Shared.Get(job.Token);
        context.Properties.Set(JobKey, job);
        try
        {
            return _pipeline.Execute(static (ctx, run) => run(ctx.CancellationToken), context, generate);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // A Polly timeout surfaces as TimeoutRejectedException (not an OperationCanceledException), so it counts.
    static bool CountsAgainstWorker(Exception e) => e is not (OperationCanceledException or GenerationRequestException);
}
