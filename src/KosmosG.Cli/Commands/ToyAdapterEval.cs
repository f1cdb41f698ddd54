using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.ToyWorld;

namespace KosmosG.Cli.Commands;

/// <summary>
/// `kosmosg eval toy`'s adapter parts, on held-out random cases (seeded apart from the recipe's training data):
/// ControlNet <c>canny</c> (a random subject and a random layout picture; layout followed = position within 6 px and
/// shape; colour = the subject's colour present) and LoRA <c>large</c> (interleaved one-object prompts with and without
/// it at the same seed: area ratio of the object, and subject fidelity with it).
/// </summary>
public static class ToyAdapterEval
{
    public const string ControlNetName = "canny", LoraName = "large";
    /// <summary>Seeds of the held-out cases start here (the recipe's data uses 17 and 18).</summary>
    const int HeldOutSeed = 100_000;

    /// <summary>Runs the asked parts; with <paramref name="imageDir"/> each judged image is also written there as PNG.</summary>
    public static void Run(KosmosGPipeline pipeline, ToyEvalSettings settings, int count, bool controlNet, bool lora, string? imageDir,
        CancellationToken cancellationToken)
    {
        var decoder = new ImageDecoder();
        if (imageDir is not null) Directory.CreateDirectory(imageDir);
        GenerationRequest Request(string prompt, RgbImage subject, int seed) => new()
        {
            Prompt = prompt, Images = [subject], Steps = settings.Steps, GuidanceScale = settings.Guidance, Scheduler = settings.Scheduler,
            Width = settings.Width, Height = settings.Height, Seed = seed,
        };
        RgbImage Draw(GenerationRequest request, string name)
        {
            var png = pipeline.Generate(request, new GenerationCallbacks(), cancellationToken).Images[0].Png;
            if (imageDir is not null) File.WriteAllBytes(Path.Combine(imageDir, name + ".png"), png);
            return decoder.Decode(png);
        }

        if (controlNet)
        {
            int followed = 0, centred = 0, shaped = 0, coloured = 0;
            for (var i = 0; i < count; i++)
            {
                var random = new Random(HeldOutSeed + settings.Seed * 1000 + i);
                var subject = new ToySubject(ToyColor.Palette[random.Next(ToyColor.Palette.Count)], ToyShape.All[random.Next(ToyShape.All.Count)]);
                var layout = ToyPlacement.RandomLayout(random);
                var picture = ToyPlacement.LayoutPicture(layout, random);
                var image = Draw(Request(ToyAdapterJudge.SubjectPrompt, ToyRenderer.RenderSubject(subject), settings.Seed + i) with
                {
                    ControlNets = [new ControlNetRequest { Name = ControlNetName, Image = picture, Preprocessor = ControlPreprocessors.Canny }],
                }, $"controlnet-{i:000}");
                var j = ToyAdapterJudge.Layout(image, subject.Color, layout);
                (followed, centred, shaped, coloured) = (followed + (j.Followed ? 1 : 0), centred + (j.CenterRight ? 1 : 0), shaped + (j.ShapeRight ? 1 : 0), coloured + (j.ColorPresent ? 1 : 0));
                Console.WriteLine($"  controlnet {i,3}: {subject.Words} in a {layout.Shape.Name} x{layout.Scale:0.00} at ({layout.CenterX}, {layout.CenterY}): " +
                                  $"colour {(j.ColorPresent ? "yes" : "no")}, centre error {j.CenterError:0.0} px, fill {j.FillRatio:0.00}, shape {(j.ShapeRight ? "right" : "wrong")}");
            }
            Console.WriteLine($"controlnet {ControlNetName}: layout followed {Share(followed, count)} (centre within {ToyAdapterJudge.CenterTolerance} px " +
                              $"{Share(centred, count)}, shape {Share(shaped, count)}), subject colour {Share(coloured, count)} ({count} held-out layouts)");
        }
        if (lora)
        {
            var ratios = new List<double>();
            int kept = 0, plainRight = 0;
            for (var i = 0; i < count; i++)
            {
                var random = new Random(HeldOutSeed + 500 + settings.Seed * 1000 + i);
                var background = new[] { ToyBackground.White, ToyBackground.Black, ToyBackground.Gray }[random.Next(3)];
                var obj = new ToyObject(ToyColor.Palette[random.Next(ToyColor.Palette.Count)], ToyShape.All[random.Next(ToyShape.All.Count)],
                    ToyPosition.All[random.Next(ToyPosition.All.Count)]);
                var request = Request($"<i> {obj.Position.Phrase} on a {background.Name} background", ToyRenderer.RenderSubject(obj.Subject), settings.Seed + i);
                var plain = ToyAdapterJudge.Object(Draw(request, $"lora-{i:000}-plain"), obj.Color, obj.Shape);
                var large = ToyAdapterJudge.Object(Draw(request with { Loras = [new LoraRequest(LoraName, 1.0)] }, $"lora-{i:000}-large"), obj.Color, obj.Shape);
                if (plain.Pixels > 0) ratios.Add((double)large.Pixels / plain.Pixels);
                kept += large.Right ? 1 : 0;
                plainRight += plain.Right ? 1 : 0;
                Console.WriteLine($"  lora {i,3}: {request.Prompt} [{obj.Subject.Words}]: {plain.Pixels} -> {large.Pixels} px, fill {plain.FillRatio:0.00} -> {large.FillRatio:0.00}, shape and colour {(large.Right ? "kept" : "lost")}");
            }
            ratios.Sort();
            var median = ratios.Count == 0 ? double.NaN : ratios[ratios.Count / 2];
            Console.WriteLine($"lora {LoraName}: area ratio mean {(ratios.Count == 0 ? double.NaN : ratios.Average()):0.00}, median {median:0.00}; " +
                              $"subject fidelity {Share(kept, count)} with it, {Share(plainRight, count)} without ({count} held-out prompts)");
        }
    }

    static string Share(int n, int count) => $"{(double)n / count:0.000}";
}
