using System.Runtime.InteropServices;

namespace KosmosG.Training.Loop;

/// <summary>
/// Reruns a resumable job after a libtorch error. TorchSharp 0.107 can free an implicit Scalar temporary from the
/// finalizer thread while a native call still reads it ("Unknown scalar type", "Expected false to be true"): a rare,
/// random failure that a rerun from the last checkpoint gets past.
/// </summary>
public static class NativeErrorRetry
{
    /// <summary>Attempts the trainers and the demo build allow before giving up.</summary>
    public const int DefaultAttempts = 10;

    public static T Run<T>(Func<T> job, int maxAttempts, TextWriter log, CancellationToken stop)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (var attempt = 1; ; attempt++)
        {
            try { return job(); }
            catch (ExternalException e) when (attempt < maxAttempts && !stop.IsCancellationRequested)
            {
                log.WriteLine($"libtorch error: {e.Message.Split('\n')[0].Trim()}; continuing from the last checkpoint (attempt {attempt + 1} of {maxAttempts})");
            }
        }
    }
}
