using System.Globalization;

namespace KosmosG.Pipelines;

/// <summary>The PNG text chunks that record how an image was made (A1111-style "parameters" plus one key per knob).</summary>
public static class PngParameters
{
    public static IReadOnlyDictionary<string, string> For(GenerationRequest request, GeneratorInfo info, long seed)
    {
        var c = CultureInfo.InvariantCulture;
        // A1111 layout: LoRAs as <lora:name:scale> after the prompt, one "ControlNet i" field per net.
        var loras = string.Concat(request.Loras.Select(l => string.Format(c, " <lora:{0}:{1}>", Path.GetFileNameWithoutExtension(l.Name), l.Scale)));
        var controlNets = string.Concat(request.ControlNets.Select((n, i) => string.Format(c,
            ", ControlNet {0}: \"Module: {1}, Model: {2}, Weight: {3}, Guidance Start: {4}, Guidance End: {5}{6}\"",
            i, n.Preprocessor, Path.GetFileNameWithoutExtension(n.Name.TrimEnd('/')), n.ConditioningScale, n.GuidanceStart, n.GuidanceEnd,
            request.GuessMode ? ", Control Mode: Guess" : "")));
        var summary = $"{request.Prompt}{loras}\nNegative prompt: {request.NegativePrompt}\n" +
                      string.Format(c, "Steps: {0}, Sampler: {1}, CFG scale: {2}, Seed: {3}, Size: {4}x{5}, Model: {6}, Images: {7}",
                          request.Steps, request.Scheduler, request.GuidanceScale, seed, request.Width, request.Height, info.Name, request.Images.Count)
                      + controlNets;
        return new Dictionary<string, string>
        {
            ["parameters"] = summary,
            ["prompt"] = request.Prompt,
            ["negative_prompt"] = request.NegativePrompt,
            ["steps"] = request.Steps.ToString(c),
            ["guidance_scale"] = request.GuidanceScale.ToString(c),
            ["scheduler"] = request.Scheduler,
            ["seed"] = seed.ToString(c),
            ["width"] = request.Width.ToString(c),
            ["height"] = request.Height.ToString(c),
            ["model"] = info.Name,
            ["dtype"] = info.DType,
        };
    }
}
