using System.Threading.Channels;
using KosmosG.Pipelines;

namespace KosmosG.Service.Queue;

/// <summary>
/// One accepted request and everything that happens to it. Written by one worker thread, read by HTTP threads;
/// state changes happen under a lock and each terminal transition happens once (the first one wins).
/// </summary>
public sealed class Job
{
    readonly object _gate = new();
    readonly CancellationTokenSource _cts = new();
    readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly List<GeneratedImage> _images = [];
    readonly Timer _deadline;
    Channel<JobEvent>? _events;
    string? _cancelReason;

    public Job(GenerationRequest request, TimeSpan deadline)
    {
        Request = request;
        CreatedAt = DateTimeOffset.UtcNow;
        _deadline = new Timer(_ => Cancel(JobErrorTypes.DeadlineExceeded), null, deadline, Timeout.InfiniteTimeSpan);
    }

    public string Id { get; } = "job_" + Guid.NewGuid().ToString("N");
    public GenerationRequest Request { get; }
    /// <summary>The API key's name that created the job (null without authentication); only it may see the job.</summary>
    public string? Owner { get; init; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public JobState State { get; private set; } = JobState.Queued;
    public string? Device { get; private set; }
    public (int Step, int Total) Progress { get; private set; }
    public (string Type, string Message)? Error { get; private set; }
    /// <summary>The request field an <see cref="JobErrorTypes.InvalidField"/> error is about.</summary>
    public string? ErrorField { get; private set; }
    public StageTimings? Timings { get; private set; }

    /// <summary>Cancelled by an explicit cancel, the deadline, a disconnect (sync/SSE) or shutdown.</summary>
    public CancellationToken Token => _cts.Token;
    public Task Finished => _finished.Task;
    public bool IsFinished => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
    public TimeSpan QueueTime => (StartedAt ?? FinishedAt ?? DateTimeOffset.UtcNow) - CreatedAt;
    public TimeSpan InferenceTime => StartedAt is { } s ? (FinishedAt ?? DateTimeOffset.UtcNow) - s : TimeSpan.Zero;

    public IReadOnlyList<GeneratedImage> Images
    {
        get { lock (_gate) return _images.ToArray(); }
    }

    /// <summary>Events from now on, for the one streaming client of this job (open it before queueing).</summary>
    public ChannelReader<JobEvent> OpenEvents()
    {
        lock (_gate)
        {
            _events ??= Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });
            return _events.Reader;
        }
    }

    public void Publish(JobEvent e)
    {
        lock (_gate)
            if (!IsFinished) _events?.Writer.TryWrite(e);
    }

    /// <summary>Asks the job to stop; the first reason is the one reported. False when it already finished otherwise.</summary>
    public bool Cancel(string reason)
    {
        lock (_gate)
        {
            if (State is JobState.Succeeded or JobState.Failed) return false;
            _cancelReason ??= reason;
        }
        try { _cts.Cancel(); }
        catch (ObjectDisposedException) { }
        return true;
    }

    public string CancelReason => _cancelReason ?? JobErrorTypes.Cancelled;

    /// <summary>Queued -> Running; false when the job was cancelled while it waited.</summary>
    public bool TryStart(string device)
    {
        lock (_gate)
        {
            if (State != JobState.Queued || _cts.IsCancellationRequested) return false;
            State = JobState.Running;
            Device = device;
            StartedAt = DateTimeOffset.UtcNow;
            _events?.Writer.TryWrite(new StartedEvent(Id, device, QueueTime.TotalSeconds));
            return true;
        }
    }

    public void ReportStep(int step, int total)
    {
        Progress = (step, total);
        Publish(new ProgressEvent(step, total));
    }

    /// <summary>Called once per image, as the generator finishes it.</summary>
    public void AddImage(GeneratedImage image)
    {
        lock (_gate)
        {
            if (IsFinished) return;
            _images.Add(image);
            _events?.Writer.TryWrite(new ImageEvent(image));
        }
    }

    public bool HasImages
    {
        get { lock (_gate) return _images.Count > 0; }
    }

    /// <summary>What the generation did not use as asked (e.g. a LoRA's text-encoder keys under KOSMOS-G).</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    public void Succeed(StageTimings timings, IReadOnlyList<string> warnings)
    {
        lock (_gate)
        {
            Timings = timings;
            Warnings = warnings;
            _images.Sort((a, b) => a.Index.CompareTo(b.Index));
        }
        Finish(JobState.Succeeded, null);
    }

    public void Fail(string message) => Finish(JobState.Failed, (JobErrorTypes.GenerationFailed, message));

    /// <summary>Fails the job because of what the request asked for, which only loading showed (a 400, not a 500).</summary>
    public void Reject(string field, string message)
    {
        ErrorField = field;
        Finish(JobState.Failed, (JobErrorTypes.InvalidField, message));
    }

    /// <summary>Ends the job as cancelled with the reason given to <see cref="Cancel"/>.</summary>
    public void MarkCancelled() => Finish(JobState.Cancelled, (CancelReason, CancelMessage(CancelReason)));

    void Finish(JobState state, (string, string)? error)
    {
        lock (_gate)
        {
            if (IsFinished) return;
            State = state;
            Error = error;
            FinishedAt = DateTimeOffset.UtcNow;
            if (state != JobState.Succeeded) _images.Clear();
            JobEvent terminal = error is var (type, message)
                ? new ErrorEvent(Id, type, message)
                : new CompletedEvent(Id, TimingsInSeconds());
            _events?.Writer.TryWrite(terminal);
            _events?.Writer.TryComplete();
        }
        _deadline.Dispose();
        _finished.TrySetResult();
    }

    /// <summary>The queue wait, the time on a worker, and the model's stages (zero before it succeeded).</summary>
    public JobTimings TimingsInSeconds()
    {
        var t = Timings ?? new StageTimings(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        return new JobTimings(QueueTime.TotalSeconds, InferenceTime.TotalSeconds, t.Encode.TotalSeconds,
            t.Denoise.TotalSeconds, t.Decode.TotalSeconds, t.EncodePng.TotalSeconds);
    }

    static string CancelMessage(string reason) => reason switch
    {
        JobErrorTypes.DeadlineExceeded => "The job's deadline passed before it finished.",
        JobErrorTypes.ClientDisconnected => "The client disconnected.",
        JobErrorTypes.Shutdown => "The service shut down before the job finished.",
        _ => "The job was cancelled.",
    };
}
