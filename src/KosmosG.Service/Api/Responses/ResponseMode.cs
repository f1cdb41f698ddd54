using Microsoft.Net.Http.Headers;

namespace KosmosG.Service.Api.Responses;

/// <summary>How POST /v1/generations answers, chosen by headers: Prefer: respond-async, else the best Accept match.</summary>
public enum ResponseMode { Json, Png, EventStream, Async }

public static class ResponseModes
{
    public static ResponseMode Negotiate(HttpRequest request)
    {
        if (request.Headers["Prefer"].Any(p => p?.Contains("respond-async", StringComparison.OrdinalIgnoreCase) == true))
            return ResponseMode.Async;
        var accept = request.GetTypedHeaders().Accept;
        if (accept.Count == 0) return ResponseMode.Json;
        foreach (var media in accept.OrderByDescending(a => a.Quality ?? 1.0))
        {
            var type = media.MediaType.Value?.ToLowerInvariant();
            switch (type)
            {
                case "text/event-stream": return ResponseMode.EventStream;
                case "image/png" or "image/*": return ResponseMode.Png;
                case "application/json" or "application/*" or "*/*": return ResponseMode.Json;
            }
        }
        throw new ApiProblemException(StatusCodes.Status406NotAcceptable, "not_acceptable",
            $"Accept '{request.Headers.Accept}' offers nothing we return: application/json, image/png or text/event-stream " +
            "(or send Prefer: respond-async).", HeaderNames.Accept);
    }
}
