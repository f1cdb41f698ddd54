using System.ComponentModel;
using System.Text.Json.Nodes;
using KosmosG.Pipelines;
using KosmosG.Service.Catalog;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api;

// The JSON shapes the API returns (snake_case on the wire). Kept together: they are one small vocabulary.

[Description("A finished image: index in the request, the seed that made it, the PNG (generation parameters in its iTXt chunks).")]
public sealed record ImageView(int Index, long Seed, string PngBase64)
{
    public static ImageView Of(GeneratedImage image) => new(image.Index, image.Seed, Convert.ToBase64String(image.Png));
}

[Description("A preview of image 0 after this many steps (SSE 'preview' event).")]
public sealed record PreviewView(int Step, string PngBase64);

[Description("Synchronous JSON result of POST /v1/generations; warnings say what was not used as asked (e.g. a LoRA's text-encoder keys under KOSMOS-G).")]
public sealed record GenerationResponse(string Id, IReadOnlyList<ImageView> Images, JobTimings Timings, IReadOnlyList<string> Warnings);

[Description("A job's image, fetched from url (image/png).")]
public sealed record JobImageLink(int Index, long Seed, string Url);

[Description("Steps done of the total (all images of the job).")]
public sealed record ProgressView(int Step, int Total);

[Description("Why a job did not succeed: generation_failed, cancelled, client_disconnected, deadline_exceeded or shutdown.")]
public sealed record JobErrorView(string Type, string Message);

[Description("A job: state (queued, running, succeeded, failed, cancelled), 1-based queue position while queued, progress, image links, error, timings, and once it succeeded the warnings of the synchronous answer (what was not used as asked).")]
public sealed record JobView(
    string Id, JobState State, int QueuePosition, ProgressView Progress, string? Device,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<JobImageLink> Images, JobErrorView? Error, JobTimings? Timings, IReadOnlyList<string> Warnings)
{
    public static JobView Of(Job job, int queuePosition) => new(
        job.Id, job.State, queuePosition, new ProgressView(job.Progress.Step, job.Progress.Total), job.Device,
        job.CreatedAt, job.StartedAt, job.FinishedAt,
        job.Images.Select(i => new JobImageLink(i.Index, i.Seed, $"/v1/jobs/{job.Id}/images/{i.Index}")).ToList(),
        job.Error is var (type, message) ? new JobErrorView(type, message) : null,
        job.IsFinished ? job.TimingsInSeconds() : null, job.Warnings);
}

[Description("The result of POST /v1/jobs/{id}/cancel: whether the job is (being) cancelled, and its state now.")]
public sealed record CancelView(string Id, bool Cancelled, JobState State);

[Description("OpenAI Images response: created (unix seconds) and one data item per image.")]
public sealed record OpenAiImagesResponse(long Created, IReadOnlyList<OpenAiImageData> Data);

[Description("b64_json or url (by response_format); seed is our extension.")]
public sealed record OpenAiImageData(
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? B64Json,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Url,
    long Seed);

[Description("GET /v1/models: OpenAI-style list of what is loaded.")]
public sealed record ModelList(string Object, IReadOnlyList<ModelView> Data);

[Description("The loaded model: kind (kosmos-g or stable-diffusion), where it came from, dtype, devices, defaults, every request limit (KosmosG:Limits plus the queue and deadlines), and worker states.")]
public sealed record ModelView(
    string Id, string Object, string OwnedBy, string Kind, string Path,
    [property: System.Text.Json.Serialization.JsonPropertyName("dtype")] string DType, bool AcceptsImages, int MaxImages,
    GenerationDefaults Defaults, JsonObject Limits, IReadOnlyList<WorkerStatus> Workers);

[Description("The LoRAs or ControlNets requests can name, sorted.")]
public sealed record AdapterList(string Object, IReadOnlyList<AdapterView> Data);

[Description("One LoRA or ControlNet: the name a request uses and the folder it is read from.")]
public sealed record AdapterView(string Name, string Folder);
