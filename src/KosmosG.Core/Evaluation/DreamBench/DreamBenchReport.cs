using System.Globalization;
using System.Text;

namespace KosmosG.Evaluation.DreamBench;

/// <summary>The Markdown report of a scored folder: the three metrics beside the paper's rows, then per subject.</summary>
public static class DreamBenchReport
{
    public static string Markdown(DreamBenchScores scores, string datasetDir, string outputDir, string? gridFile, string? generation)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# DreamBench evaluation").AppendLine();
        sb.AppendLine(ci, $"- dataset: `{datasetDir}`");
        sb.AppendLine(ci, $"- images: `{outputDir}` ({scores.Samples.Count} samples, {scores.Samples.Select(s => s.Sample.Subject).Distinct().Count()} subjects; the official run has 3000)");
        if (generation is not null) sb.AppendLine(ci, $"- generation: {generation}");
        sb.AppendLine("- metrics: DINO ViT-S/16 CLS cosine, CLIP ViT-B/32 image-image and image-text cosine (kosmos-g/eval protocol); mean over all samples, clamped at 0").AppendLine();
        sb.AppendLine("| | DINO | CLIP-I | CLIP-T |").AppendLine("|---|---|---|---|");
        sb.AppendLine(ci, $"| **this run** | **{scores.Dino / 100:F3}** | **{scores.ClipI / 100:F3}** | **{scores.ClipT / 100:F3}** |");
        foreach (var (method, dino, clipI, clipT) in PaperResults.Rows) sb.AppendLine(ci, $"| {method} | {dino:F3} | {clipI:F3} | {clipT:F3} |");
        sb.AppendLine().AppendLine(ci, $"Official x100 scale: DINO {scores.Dino:F4}, CLIP-I {scores.ClipI:F4}, CLIP-T {scores.ClipT:F4}.").AppendLine();
        sb.AppendLine("## Per subject (x100, plain means)").AppendLine();
        sb.AppendLine("| subject | class | samples | DINO | CLIP-I | CLIP-T |").AppendLine("|---|---|---|---|---|---|");
        foreach (var (subject, count, dino, clipI, clipT) in scores.BySubject())
            sb.AppendLine(ci, $"| {subject} | {DreamBenchPrompts.ClassWord(subject) ?? "?"} | {count} | {dino:F2} | {clipI:F2} | {clipT:F2} |");
        if (gridFile is not null) sb.AppendLine().AppendLine(ci, $"![reference, then generated images, one row per subject]({gridFile})");
        return sb.ToString();
    }
}
