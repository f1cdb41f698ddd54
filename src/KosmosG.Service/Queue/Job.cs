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
    readonly List<JobEvent> _log = [];
    readonly List<ChannelWriter<JobEvent>> _subscribers = [];
    string? _cancelReason;

    public Job(GenerationRequest request, TimeSpan deadline) : this("job_" + Guid.NewGuid().ToString("N"), request, DateTimeOffset.UtcNow, deadline)
    {
    }

    /// <summary>A job already accepted elsewhere (a shared store), under its own id and creation time.</summary>
    public Job(string id, GenerationRequest request, DateTimeOffset createdAt, TimeSpan deadline)
    {
        Id = id;
        Request = request;
        CreatedAt = createdAt;
        DeadlineAt = deadline == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : createdAt + deadline;
        _deadline = new Timer(_ => Cancel(JobErrorTypes.DeadlineExceeded), null,
            deadline == Timeout.InfiniteTimeSpan ? deadline : TimeSpan.FromTicks(Math.Max(0, deadline.Ticks)), Timeout.InfiniteTimeSpan);
    }

    public string Id { get; }
    /// <summary>What to generate; once the job finished its input images are dropped (it keeps only its outputs).</summary>
    public GenerationRequest Request { get; private set; }
    /// <summary>The API key's name that created the job (null without authentication); only it may see the job.</summary>
    public string? Owner { get; init; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset DeadlineAt { get; }
    /// <summary>The URL called when the job ends (null: none).</summary>
    public string? Webhook { get; init; }
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
    /// <summary>Sees every event as it is emitted, under the job's lock (a shared store writes them out).</summary>
    public Action<JobEvent>? Observer { get; set; }
    public bool IsFinished => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
    public TimeSpan QueueTime => (StartedAt ?? FinishedAt ?? DateTimeOffset.UtcNow) - CreatedAt;
    public TimeSpan InferenceTime => StartedAt is { } s ? (FinishedAt ?? DateTimeOffset.UtcNow) - s : TimeSpan.Zero;

    public IReadOnlyList<GeneratedImage> Images
    {
        get { lock (_gate) return _images.ToArray(); }
    }

    /// <summary>The job's events after the first <paramref name="skip"/> (an SSE client's Last-Event-ID), then every
    /// new one until the terminal event; the nth event of a job is the same on every replica.</summary>
    public ChannelReader<JobEvent> Subscribe(int skip = 0)
    {
        var channel = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            foreach (var e in _log.Skip(skip)) channel.Writer.TryWrite(e);
            if (IsFinished) channel.Writer.TryComplete();
            else _subscribers.Add(channel.Writer);
        }
        return channel.Reader;
    }

    /// <summary>Someone reads the job's events as they happen (a subscriber still open).</summary>
    public bool IsWatched
    {
        get { lock (_gate) return _subscribers.Count > 0; }
    }

    public void Publish(JobEvent e)
    {
        lock (_gate)
            if (!IsFinished) Emit(e);
    }

    /// <summary>Appends to the log and hands the event to subscribers and the observer; callers hold the lock.</summary>
    void Emit(JobEvent e)
    {
        _log.Add(e);
        foreach (var subscriber in _subscribers) subscriber.TryWrite(e);
        if (e.IsTerminal)
        {
            foreach (var subscriber in _subscribers) subscriber.TryComplete();
            _subscribers.Clear();
        }
        Observer?.Invoke(e);
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
            Emit(new StartedEvent(Id, device, QueueTime.TotalSeconds));
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
            Emit(new ImageEvent(image));
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
            if (Request.Images.Count > 0) Request = Request with { Images = [] };
            JobEvent terminal = error is var (type, message)
                ? new ErrorEvent(Id, type, message)
                : new CompletedEvent(Id, TimingsInSeconds(), Warnings);
            Emit(terminal);
        }
        _deadline.Dispose();
        _finished.TrySetResult();
    }

    /// <summary>
    /// Replays an event written by the replica that runs the job (a shared store's copy of it): the same log, state,
    /// images, warnings and outcome as there. A job that went back to the queue (requeued) starts over.
    /// </summary>
    public void Apply(JobEvent e, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (IsFinished) return;
            switch (e)
            {
                case RequeuedEvent:
                    State = JobState.Queued;
                    StartedAt = null;
                    Device = null;
                    Progress = default;
                    _images.Clear();
                    break;
                case StartedEvent s:
                    State = JobState.Running;
                    Device = s.Device;
                    StartedAt = at;
                    break;
                case ProgressEvent p:
                    Progress = (p.Step, p.Total);
                    break;
                case ImageEvent i:
                    _images.RemoveAll(x => x.Index == i.Image.Index);
                    _images.Add(i.Image);
                    break;
                case CompletedEvent c:
                    Timings = new StageTimings(TimeSpan.FromSeconds(c.Timings.Encode), TimeSpan.FromSeconds(c.Timings.Denoise),
                        TimeSpan.FromSeconds(c.Timings.Decode), TimeSpan.FromSeconds(c.Timings.EncodePng));
                    Warnings = c.Warnings ?? [];
                    _images.Sort((a, b) => a.Index.CompareTo(b.Index));
                    break;
            }
            if (!e.IsTerminal)
            {
                Emit(e);
                return;
            }
            (State, Error) = e is ErrorEvent error
                ? (JobErrorTypes.IsFailure(error.Type) ? JobState.Failed : JobState.Cancelled, (error.Type, error.Message))
                : (JobState.Succeeded, ((string, string)?)null);
            if (e is ErrorEvent err) _cancelReason ??= err.Type;
            FinishedAt = at;
            if (State != JobState.Succeeded) _images.Clear();
            Emit(e);
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

    public static string CancelMessage(string reason) => reason switch
    {
        JobErrorTypes.DeadlineExceeded => "The job's deadline passed before it finished.",
        JobErrorTypes.ClientDisconnected => "The client disconnected.",
        JobErrorTypes.Shutdown => "The service shut down before the job finished.",
        _ => "The job was cancelled.",
    };
}
