using System.Globalization;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>What synchronous answers share: timing headers, and the problem for a job that did not succeed.</summary>
public static class JobResults
{
    /// <summary>x-job-id, x-queue-time and x-inference-time (milliseconds, as TGI), and per-stage x-time-* headers.</summary>
    public static void AddHeaders(HttpResponse response, Job job)
    {
        var h = response.Headers;
        h["x-job-id"] = job.Id;
        h["x-queue-time"] = Ms(job.QueueTime);
        h["x-inference-time"] = Ms(job.InferenceTime);
        if (job.Timings is { } t)
        {
            h["x-time-encode"] = Ms(t.Encode);
            h["x-time-denoise"] = Ms(t.Denoise);
            h["x-time-decode"] = Ms(t.Decode);
            h["x-time-encode-png"] = Ms(t.EncodePng);
        }
    }

    /// <summary>Failed: 500, or 400 naming the field when the request itself was unusable; deadline: 504; shutdown: 503; cancelled (by POST .../cancel): 409.</summary>
    public static ApiProblemException Problem(Job job)
    {
        var (type, message) = job.Error ?? (JobErrorTypes.GenerationFailed, "The job did not succeed.");
        var status = type switch
        {
            JobErrorTypes.InvalidField => StatusCodes.Status400BadRequest,
            JobErrorTypes.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
            JobErrorTypes.Shutdown => StatusCodes.Status503ServiceUnavailable,
            JobErrorTypes.Cancelled or JobErrorTypes.ClientDisconnected => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status500InternalServerError,
        };
        return new ApiProblemException(status, type, $"Job {job.Id}: {message}", job.ErrorField,
            status == StatusCodes.Status503ServiceUnavailable ? 5 : null);
    }

    static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
