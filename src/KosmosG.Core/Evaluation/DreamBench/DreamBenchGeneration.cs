using KosmosG.Imaging;
using KosmosG.Pipelines;
using static TorchSharp.torch;

namespace KosmosG.Evaluation.DreamBench;

/// <summary>The official sampling settings of sample_kosmosg_dreambench.py.</summary>
public sealed record DreamBenchSettings(int Steps = 100, double GuidanceScale = 7.5, int ImagesPerPrompt = 4, string Scheduler = "dpms", long Seed = 0);

/// <summary>
/// Generates the DreamBench images that are missing from an output folder (existing files are kept, so a stopped run
/// continues where it stopped): each prompt's KOSMOS-G input ("&lt;i&gt; in the jungle" + the reference image), DPM-Solver,
/// no negative prompt. The official script reseeds with 0 before every batch of 5 prompts, so every batch starts from
/// the same noise [5 * n, 4, h, w]; here that noise comes from a CPU generator seeded 0 and each prompt takes its rows
/// (the official one draws on the GPU, so pixels differ from the paper's run while the protocol is the same).
/// </summary>
public sealed class DreamBenchGeneration(DiffusionPipeline pipeline, DreamBenchSettings settings)
{
    /// <summary>Prompts of <paramref name="prompts"/> with at least one image missing in <paramref name="outputDir"/>.</summary>
    public static IReadOnlyList<DreamBenchPrompt> Missing(IReadOnlyList<DreamBenchPrompt> prompts, string outputDir) =>
        prompts.Where(p => Enumerable.Range(0, p.ImagesPerPrompt).Any(c => !File.Exists(Path.Combine(outputDir, p.FileName(c))))).ToList();

    /// <param name="progress">(denoising steps done, steps to do) over all prompts to generate, after every step.</param>
    public void Run(IReadOnlyList<DreamBenchPrompt> prompts, string outputDir, Action<int, int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(outputDir);
        var todo = Missing(prompts, outputDir);
        var total = todo.Count * settings.Steps;
        var finished = 0; // prompts done
        var (width, height) = (pipeline.Info.Defaults.Width, pipeline.Info.Defaults.Height);
        using var noise = BatchNoise(width, height);
        foreach (var prompt in todo)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reference = PilImageFile.LoadRgb(prompt.Reference.Path);
            var request = new GenerationRequest
            {
                Prompt = prompt.KosmosGPrompt,
                Images = [reference],
                Steps = settings.Steps,
                GuidanceScale = settings.GuidanceScale,
                Scheduler = settings.Scheduler,
                Width = width,
                Height = height,
                Seed = settings.Seed,
                Count = settings.ImagesPerPrompt,
            };
            using var rows = tensor(Enumerable.Range(0, settings.ImagesPerPrompt).Select(c => (long)prompt.NoiseRow(c)).ToArray());
            using var latents = noise.index_select(0, rows);
            var before = finished * settings.Steps;
            var callbacks = new GenerationCallbacks { Step = progress is null ? null : (done, _) => progress(before + done, total) };
            var result = pipeline.Generate(request, latents, callbacks, cancellationToken);
            for (var c = 0; c < settings.ImagesPerPrompt; c++)
            {
                var path = Path.Combine(outputDir, prompt.FileName(c));
                if (File.Exists(path)) continue;
                // Written under a temporary name and renamed, so an interrupted run never leaves a partial PNG behind.
                var partial = path + ".partial";
                File.WriteAllBytes(partial, result.Images[c].Png);
                File.Move(partial, path, overwrite: true);
            }
            finished++;
        }
    }

    Tensor BatchNoise(int width, int height)
    {
        var b = pipeline.Backbone;
        using var generator = new Generator(unchecked((ulong)settings.Seed), CPU);
        return randn([DreamBenchPrompt.BatchPrompts * settings.ImagesPerPrompt, b.LatentChannels, height / b.VaeScaleFactor, width / b.VaeScaleFactor],
            ScalarType.Float32, CPU, generator: generator);
    }
}
