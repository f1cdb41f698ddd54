using System.Diagnostics.Metrics;
using KosmosG.Pipelines;

namespace KosmosG.Service.Observability;

/// <summary>
/// The service's OpenTelemetry instruments (meter "KosmosG.Service"), exported at /metrics for Prometheus as
/// kosmosg_queue_depth, kosmosg_queue_wait_seconds, kosmosg_stage_duration_seconds{stage}, kosmosg_images_total,
/// kosmosg_steps_total (images/s and steps/s are their rate()), kosmosg_rejections_total{reason},
/// kosmosg_cancellations_total{reason}, kosmosg_failures_total{type}, kosmosg_jobs_running, and with a shared queue
/// kosmosg_lease_expiries_total, kosmosg_redeliveries_total, kosmosg_stale_runs_total.
/// </summary>
public sealed class ServiceMetrics : IDisposable
{
    public const string MeterName = "KosmosG.Service";

    readonly Meter _meter;
    readonly Histogram<double> _queueWait;
    readonly Histogram<double> _stage;
    readonly Counter<long> _images;
    readonly Counter<long> _steps;
    readonly Counter<long> _rejections;
    readonly Counter<long> _cancellations;
    readonly Counter<long> _failures;
    int _running;

    readonly Counter<long> _leaseExpiries;
    readonly Counter<long> _redeliveries;
    readonly Counter<long> _staleRuns;
    readonly Counter<long> _webhookFailures;

    /// <summary>The queue is resolved when the gauge is read: the shared queue itself reports to these metrics.</summary>
    public ServiceMetrics(IMeterFactory meterFactory, IServiceProvider services)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge("kosmosg.queue.depth", () => QueueDepth(services.GetRequiredService<Queue.IJobQueue>()),
            description: "Jobs waiting for a worker (across all replicas with a shared queue).");
        _leaseExpiries = _meter.CreateCounter<long>("kosmosg.lease.expiries", description: "Running jobs whose replica stopped renewing the lease (reaped here).");
        _redeliveries = _meter.CreateCounter<long>("kosmosg.redeliveries", description: "Jobs queued again after their lease expired (reaped here).");
        _webhookFailures = _meter.CreateCounter<long>("kosmosg.webhook.failures", description: "Job webhooks that failed after all retries.");
        _staleRuns = _meter.CreateCounter<long>("kosmosg.stale.runs", description: "Runs stopped here because another replica had taken the job over (duplicate executions).");
        _meter.CreateObservableGauge("kosmosg.jobs.running", () => Volatile.Read(ref _running), description: "Jobs on a worker now.");
        _queueWait = _meter.CreateHistogram<double>("kosmosg.queue.wait", "s", "Time from acceptance to the start on a worker.");
        _stage = _meter.CreateHistogram<double>("kosmosg.stage.duration", "s", "Duration of a generation stage (encode, denoise, decode, encode_png).");
        _images = _meter.CreateCounter<long>("kosmosg.images", description: "Images generated.");
        _steps = _meter.CreateCounter<long>("kosmosg.steps", description: "Denoising steps run.");
        _rejections = _meter.CreateCounter<long>("kosmosg.rejections", description: "Requests refused, by reason.");
        _cancellations = _meter.CreateCounter<long>("kosmosg.cancellations", description: "Jobs cancelled, by reason.");
        _failures = _meter.CreateCounter<long>("kosmosg.failures", description: "Jobs failed, by exception type.");
    }

    public void Started(TimeSpan queueWait)
    {
        Interlocked.Increment(ref _running);
        _queueWait.Record(queueWait.TotalSeconds);
    }

    public void Stopped() => Interlocked.Decrement(ref _running);

    public void Step() => _steps.Add(1);

    public void Succeeded(int images, StageTimings t)
    {
        _images.Add(images);
        _stage.Record(t.Encode.TotalSeconds, new KeyValuePair<string, object?>("stage", "encode"));
        _stage.Record(t.Denoise.TotalSeconds, new KeyValuePair<string, object?>("stage", "denoise"));
        _stage.Record(t.Decode.TotalSeconds, new KeyValuePair<string, object?>("stage", "decode"));
        _stage.Record(t.EncodePng.TotalSeconds, new KeyValuePair<string, object?>("stage", "encode_png"));
    }

    public void Rejected(string reason) => _rejections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Cancelled(string reason) => _cancellations.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Failed(string type) => _failures.Add(1, new KeyValuePair<string, object?>("type", type));

    public void LeasesExpired(long expired, long requeued)
    {
        _leaseExpiries.Add(expired);
        _redeliveries.Add(requeued);
    }

    public void StaleRun() => _staleRuns.Add(1);

    public void WebhookFailed() => _webhookFailures.Add(1);

    /// <summary>No measurement while a shared queue cannot be read (rather than a wrong zero).</summary>
    static IEnumerable<Measurement<int>> QueueDepth(Queue.IJobQueue queue)
    {
        int depth;
        try { depth = queue.CountAsync().GetAwaiter().GetResult(); }
        catch (Exception e) when (Queue.Redis.RedisJobs.IsUnavailable(e)) { yield break; }
        yield return new Measurement<int>(depth);
    }

    public void Dispose() => _meter.Dispose();
}
