using KosmosG.Service.Api.Requests;
using KosmosG.Service.Api.Responses;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api;

/// <summary>
/// The path every generation request takes: admission's early check (before the body is read), the request read
/// into a draft by the endpoint's reader and checked, the responder's own check, the job queued, then the
/// responder's answer.
/// </summary>
public sealed class GenerationSubmitter(Admission admission, GenerationOrders orders, IJobStore store, ILogger<GenerationSubmitter> logger)
{
    public async Task SubmitAsync(HttpContext http, Func<RequestDraft, Task> read, IGenerationResponder responder)
    {
        if (await admission.CheckAsync() is { } early) throw ApiProblemException.From(early);
        var draft = orders.NewDraft();
        await read(draft);
        var order = orders.Complete(draft);
        responder.Check(order.Request);

        var job = new Job(order.Request, order.Deadline) { Owner = http.User.Identity?.Name, Webhook = order.Webhook };
        var claim = IdempotencyKey(http, job.Owner);
        // A retried request (same key, same API key) gets the job the first one created, answered the same way.
        if (claim is not null && await store.ClaimAsync(claim, job.Id) is { } earlier &&
            await store.FollowAsync(earlier, http.RequestAborted) is { } existing)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
            responder.Attach(existing);
            await responder.RespondAsync(http, existing);
            return;
        }
        responder.Attach(job);
        if (await admission.SubmitAsync(job) is { } rejection)
        {
            if (claim is not null) await store.UnclaimAsync(claim, job.Id);
            throw ApiProblemException.From(rejection);
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.Id });
        logger.LogInformation("Accepted job ({Responder}, {Steps} steps, {Count} images, {Inputs} inputs)",
            responder.GetType().Name, order.Request.Steps, order.Request.Count, order.Request.Images.Count);
        await responder.RespondAsync(http, job);
    }

    /// <summary>The Idempotency-Key header scoped to the caller's API key, or null without one.</summary>
    static string? IdempotencyKey(HttpContext http, string? owner)
    {
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0) return null;
        if (key.Length > 255)
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "invalid_header", "Idempotency-Key is longer than 255 characters.", "Idempotency-Key");
        return (owner ?? "") + ":" + key;
    }
}
