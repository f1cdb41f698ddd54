using KosmosG.Service.Api.Requests;
using KosmosG.Service.Api.Responses;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api;

/// <summary>
/// The path every generation request takes: admission's early check (before the body is read), the request read
/// into a draft by the endpoint's reader and checked, the responder's own check, the job queued, then the
/// responder's answer.
/// </summary>
public sealed class GenerationSubmitter(Admission admission, GenerationOrders orders, ILogger<GenerationSubmitter> logger)
{
    public async Task SubmitAsync(HttpContext http, Func<RequestDraft, Task> read, IGenerationResponder responder)
    {
        if (admission.Check() is { } early) throw ApiProblemException.From(early);
        var draft = orders.NewDraft();
        await read(draft);
        var order = orders.Complete(draft);
        responder.Check(order.Request);

        var job = new Job(order.Request, order.Deadline) { Owner = http.User.Identity?.Name };
        responder.Attach(job);
        if (admission.Submit(job) is { } rejection) throw ApiProblemException.From(rejection);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.Id });
        logger.LogInformation("Accepted job ({Responder}, {Steps} steps, {Count} images, {Inputs} inputs)",
            responder.GetType().Name, order.Request.Steps, order.Request.Count, order.Request.Images.Count);
        await responder.RespondAsync(http, job);
    }
}
