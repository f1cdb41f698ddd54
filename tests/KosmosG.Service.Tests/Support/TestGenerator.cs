using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using KosmosG.Pipelines;

namespace KosmosG.Service.Tests.Support;

/// <summary>
/// A deterministic stand-in for a loaded model, for queue, cancellation, concurrency and shutdown behaviour: real PNGs
/// (a solid colour derived from the seed), a configurable delay per denoising step that wakes up on cancellation,
/// counters of steps, decodes and cancellations, the &lt;i&gt;-count check of the real contract, and failure
/// injection by prompt: "[fail]" always throws, "[oom]" always reports device OOM, "[oom-once]" only on the first try;
/// "[warn]" succeeds with <see cref="Warning"/> (as a LoRA whose text-encoder part KOSMOS-G cannot apply does).
/// It throws if it is ever called off the thread that created it or re-entered.
/// </summary>
public sealed partial class TestGenerator : IImageGenerator
{
    public static readonly string[] Schedulers = ["dpms", "ddim", "euler"];
    public const string Warning = "LoRA test: its text-encoder keys were not applied (KOSMOS-G conditions the U-Net through AlignerNet).";
    readonly TestGeneratorOptions _options;
    readonly int _ownerThread = Environment.CurrentManagedThreadId;
    readonly ConditionalWeakTable<GenerationRequest, object> _triedOnce = new();
    int _busy;
    int _steps, _decodes, _cancellations, _generations;

    public TestGenerator(string device, TestGeneratorOptions options)
    {
        _options = options;
        Info = new GeneratorInfo("test-model", options.Kind, "test-model", device, "fp32", options.AcceptsImages, options.MaxImages, options.Defaults);
        Validator = new MarkerValidator(options.AcceptsImages);
    }

    public GeneratorInfo Info { get; }
    public int Steps => Volatile.Read(ref _steps);
    public int Decodes => Volatile.Read(ref _decodes);
    public int Cancellations => Volatile.Read(ref _cancellations);
    public int Generations => Volatile.Read(ref _generations);
    public bool Disposed { get; private set; }

    /// <summary>Called when a step starts, with the steps run so far (lets a test act at a known point).</summary>
    public Action<int>? OnStep { get; set; }

    /// <summary>The real contract's marker and scheduler checks; like the real validators it holds no reference
    /// to the generator, so it may run on any thread.</summary>
    public IRequestValidator Validator { get; }

    sealed class MarkerValidator(bool acceptsImages) : IRequestValidator
    {
        public void Validate(GenerationRequest request)
        {
            var markers = Marker().Count(request.Prompt);
            if (!acceptsImages && markers > 0)
                throw new GenerationRequestException("Prompt", "This text-only model cannot take <i> markers.");
            if (markers != request.Images.Count)
                throw new GenerationRequestException("Images", $"The prompt has {markers} <i> markers but {request.Images.Count} images were sent.");
            if (!Schedulers.Contains(request.Scheduler))
                throw new GenerationRequestException("Scheduler", $"Unknown scheduler '{request.Scheduler}'; use one of {string.Join(", ", Schedulers)}.");
        }
    }

    public GenerationResult Generate(GenerationRequest request, GenerationCallbacks callbacks, CancellationToken cancellationToken)
    {
        if (Environment.CurrentManagedThreadId != _ownerThread) throw new InvalidOperationException("Called off the worker's thread");
        if (Interlocked.Exchange(ref _busy, 1) == 1) throw new InvalidOperationException("Re-entered while generating");
        try
        {
            Interlocked.Increment(ref _generations);
            var started = DateTime.UtcNow;
            if (request.Prompt.Contains("[fail]")) throw new InvalidOperationException("injected failure");
            if (request.Prompt.Contains("[oom]") || (request.Prompt.Contains("[oom-once]") && !_triedOnce.TryGetValue(request, out _)))
            {
                _triedOnce.AddOrUpdate(request, new object());
                throw new ExternalException("CUDA out of memory. Tried to allocate 2.00 GiB");
            }
            var total = request.Steps * request.Count;
            var images = new List<GeneratedImage>();
            for (var i = 0; i < request.Count; i++)
            {
                for (var s = 1; s <= request.Steps; s++)
                {
                    OnStep?.Invoke(Steps);
                    Check(cancellationToken);
                    if (_options.StepDelay > TimeSpan.Zero) cancellationToken.WaitHandle.WaitOne(_options.StepDelay);
                    Check(cancellationToken);
                    Interlocked.Increment(ref _steps);
                    var done = i * request.Steps + s;
                    callbacks.Step?.Invoke(done, total);
                    if (request.PreviewEvery > 0 && done % request.PreviewEvery == 0)
                        callbacks.Preview?.Invoke(done, TestPng.Solid(8, 8, 128, 128, 128));
                }
                Check(cancellationToken); // a cancelled request skips decoding
                Interlocked.Increment(ref _decodes);
                var seed = SeededGenerators.SeedOf(request.Seed, i);
                var image = new GeneratedImage(i, seed, Render(request, Info, seed));
                callbacks.Image?.Invoke(image);
                images.Add(image);
            }
            var elapsed = DateTime.UtcNow - started;
            return new GenerationResult(images, new StageTimings(TimeSpan.FromMilliseconds(1), elapsed, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)))
            {
                Warnings = request.Prompt.Contains("[warn]") ? [Warning] : [],
            };
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>The colour image <paramref name="seed"/> gets, so tests can check which seed made a PNG.</summary>
    public static (byte R, byte G, byte B) ColorOf(long seed) => ((byte)(seed * 37 % 256), (byte)(seed * 91 % 256), (byte)(seed * 13 % 256));

    /// <summary>A solid image in the seed's colour carrying the parameters as the real pipelines write them.</summary>
    static byte[] Render(GenerationRequest request, GeneratorInfo info, long seed)
    {
        var (r, g, b) = ColorOf(seed);
        return TestPng.Solid(request.Width, request.Height, r, g, b, PngParameters.For(request, info, seed));
    }

    void Check(CancellationToken ct)
    {
        if (!ct.IsCancellationRequested) return;
        Interlocked.Increment(ref _cancellations);
        ct.ThrowIfCancellationRequested();
    }

    public void Dispose() => Disposed = true;

    [GeneratedRegex("<i>")]
    private static partial Regex Marker();
}
