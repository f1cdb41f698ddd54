using System.Text.Encodings.Web;
using System.Text.Json;
using KosmosG.ToyWorld;

namespace KosmosG.Cli.Commands;

/// <summary>
/// The `eval toy --json` file: settings, the scores of the model and of the reference (null when not run), and per
/// prompt its seed, prompt, subjects, expected scene, scores and per-object verdicts. Undefined numbers are null.
/// </summary>
public static class ToyEvalJson
{
    static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string path, ToyEvalSettings settings, ToyEvalReport model, ToyEvalReport? reference) =>
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            model = settings.Model,
            seed = settings.Seed,
            steps = settings.Steps,
            guidance = settings.Guidance,
            scheduler = settings.Scheduler,
            width = settings.Width,
            height = settings.Height,
            subject_fidelity = Number(model.Summary.SubjectFidelity),
            text_fidelity = Number(model.Summary.TextFidelity),
            images = model.Summary.Images,
            images_with_subjects = model.Summary.ImagesWithSubjects,
            seconds_per_image = model.TimePerImage.TotalSeconds,
            reference = reference is null ? null : new
            {
                text_fidelity = Number(reference.Summary.TextFidelity),
                images = reference.Summary.Images,
                seconds_per_image = reference.TimePerImage.TotalSeconds,
            },
            prompts = model.Results.Select((r, i) => new
            {
                index = r.Case.Index,
                seed = r.Case.Seed,
                prompt = r.Case.Prompt.Prompt,
                subjects = r.Case.Prompt.Subjects.Select(s => s.Words),
                caption = ToyCaptions.Caption(r.Case.Composition.Scene),
                scene = r.Case.Composition.Scene.Key,
                subject_fidelity = Number(r.Judgement.SubjectFidelity ?? double.NaN),
                text_fidelity = r.Judgement.TextFidelity,
                background_right = r.Judgement.BackgroundRight,
                objects = r.Judgement.Objects.Select(o => new
                {
                    expected = o.Expected.ToString(),
                    given_as_image = o.GivenAsImage,
                    present = o.Present,
                    position_right = o.PositionRight,
                    shape_right = o.ShapeRight,
                    pixels = o.Group.Pixels,
                    fill_ratio = o.Group.FillRatio,
                }),
                seconds = r.Elapsed.TotalSeconds,
                reference_text_fidelity = reference?.Results[i].Judgement.TextFidelity,
            }),
        }, Options));

    static double? Number(double value) => double.IsNaN(value) ? null : value;
}
