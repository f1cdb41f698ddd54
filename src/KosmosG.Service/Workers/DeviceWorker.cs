using KosmosG.Pipelines;
using KosmosG.Service.Catalog;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Workers;

/// <summary>
/// One device: a dedicated thread that loads the model, runs a warm-up generation, then takes jobs from the queue
/// one at a time. The generator is created, used and disposed only on this thread (TorchSharp scopes are per
/// thread), and nothing here awaits. Once loaded it publishes the model's card to the catalog; nobody else ever
/// calls the model. A failing job fails alone; the thread keeps serving.
/// </summary>
public sealed class DeviceWorker
{
    readonly IImageGeneratorFactory _factory;
    readonly IJobQueue _queue;
    readonly ModelCatalog _catalog;
    readonly ServiceMetrics _metrics;
    readonly ILogger _logger;
    readonly int _warmupSteps;
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;
    readonly Action<DeviceWorker> _onFatal;
    readonly ProgressWatch _progress;
    IImageGenerator? _generator;

    public DeviceWorker(string device, KosmosGOptions options, IImageGeneratorFactory factory, IJobQueue queue, ModelCatalog catalog,
        ServiceMetrics metrics, ILogger logger, Action<DeviceWorker> onFatal)
    {
        Device = device;
        _factory = factory;
        _queue = queue;
        _catalog = catalog;
        _metrics = metrics;
        _logger = logger;
        _onFatal = onFatal;
        _warmupSteps = options.Workers.WarmupSteps;
        _progress = new ProgressWatch(TimeSpan.FromSeconds(options.Workers.StallSeconds));
        Resilience = new GenerationResilience(options.Resilience,
            e => _logger.LogWarning("Transient device error on {Device}, retrying: {Message}", Device, e.Message));
        _thread = new Thread(Run) { Name = $"kosmosg-worker-{device}", IsBackground = true };
    }

    public string Device { get; }
    public GenerationResilience Resilience { get; }
    public volatile WorkerState State = WorkerState.Loading;
    public string? FaultMessage { get; private set; }

    /// <summary>Now, as the catalog shows it.</summary>
    public WorkerStatus Status() => new(Device, State, Resilience.OpenUntil, FaultMessage, _progress.StalledSince(DateTimeOffset.UtcNow));

    public void Start() => _thread.Start();

    /// <summary>Asks the thread to stop after its current job and waits for it (the job itself is cancelled by the pool).</summary>
    public bool Stop(TimeSpan wait)
    {
        _stop.Cancel();
        return _thread.Join(wait);
    }

    void Run()
    {
        try
        {
            _logger.LogInformation("Loading the model on {Device}", Device);
            _generator = _factory.Create(Device);
            _catalog.Publish(new ModelCard(_generator.Info, _generator.Validator));
            State = WorkerState.WarmingUp;
            WarmUp(_generator);
            State = WorkerState.Ready;
            var info = _generator.Info;
            _logger.LogInformation("Worker {Device} ready: {Model} ({Kind}, {DType})", Device, info.Name, info.Kind, info.DType);
        }
        catch (Exception e)
        {
            FaultMessage = $"{State} on {Device} failed: {e.Message}";
            State = WorkerState.Faulted;
            _logger.LogCritical(e, "Worker {Device}: {Message}", Device, FaultMessage);
            _generator?.Dispose();
            _onFatal(this);
            return;
        }

        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow;
                if (Resilience.OpenAt(now) is { } until)
                {
                    _stop.Token.WaitHandle.WaitOne(until - now);
                    continue;
                }
                if (_queue.Take(_stop.Token) is { } job) RunJob(_generator, job);
            }
        }
        finally
        {
            State = WorkerState.Stopped;
            _generator.Dispose();
        }
    }

    void WarmUp(IImageGenerator generator)
    {
        var d = generator.Info.Defaults;
        var request = new GenerationRequest
        {
            Prompt = "a photo of a cat", Steps = _warmupSteps, GuidanceScale = d.GuidanceScale, Scheduler = d.Scheduler,
            Width = d.Width, Height = d.Height, Seed = 0, Count = 1,
        };
        generator.Validator.Validate(request);
        var started = DateTimeOffset.UtcNow;
        generator.Generate(request, new GenerationCallbacks(), _stop.Token);
        _logger.LogInformation("Warm-up on {Device} took {Seconds:F2} s", Device, (DateTimeOffset.UtcNow - started).TotalSeconds);
    }

    void RunJob(IImageGenerator generator, Job job)
    {
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.Id, ["Device"] = Device });
        if (!job.TryStart(Device))
        {
            job.MarkCancelled();
            return;
        }
        _progress.Beat();
        _metrics.Started(job.QueueTime);
        _logger.LogInformation("Job started after {QueueSeconds:F3} s in the queue", job.QueueTime.TotalSeconds);
        var callbacks = new GenerationCallbacks
        {
            Step = (step, total) =>
            {
                _progress.Beat();
                job.ReportStep(step, total);
                _metrics.Step();
            },
            Preview = (step, png) => job.Publish(new PreviewEvent(step, png)),
            Image = image =>
            {
                _progress.Beat();
                job.AddImage(image);
            },
        };
        try
        {
            // Each image reached the job through callbacks.Image as it was finished.
            var request = job.Request; // a retry needs the inputs, which the job drops when it finishes
            var result = Resilience.Execute(job, ct => generator.Generate(request, callbacks, ct));
            job.Succeed(result.Timings, result.Warnings);
            _logger.LogInformation("Job succeeded in {Seconds:F3} s", job.InferenceTime.TotalSeconds);
        }
        catch (OperationCanceledException) when (job.Token.IsCancellationRequested)
        {
            job.MarkCancelled();
            _logger.LogInformation("Job cancelled: {Reason}", job.CancelReason);
        }
        catch (GenerationRequestException e)
        {
            _logger.LogInformation("Job refused on {Device}: {Field}: {Message}", Device, e.Field, e.Message);
            job.Reject(e.Field, e.Message.Split(" (Parameter")[0]);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Job failed on {Device}", Device);
            _metrics.Failed(e.GetType().Name);
            job.Fail(e is Polly.CircuitBreaker.BrokenCircuitException
                ? $"Worker {Device} is failing repeatedly and is paused; retry later."
                : $"Generation failed on {Device}: {e.GetType().Name}: {e.Message}");
            // Free what the failed attempt left to the finalizers (device memory included) before the next job.
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        finally
        {
            _progress.End();
            _metrics.Stopped();
        }
    }
}
