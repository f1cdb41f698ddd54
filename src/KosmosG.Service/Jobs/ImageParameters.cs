using System.Globalization;
using KosmosG.Pipelines;
using KosmosG.Service.Imaging;

namespace KosmosG.Service.Jobs;

/// <summary>Embeds what made an image into its PNG ("parameters" in the A1111 layout that image tools read, plus the prompt alone).</summary>
public static class ImageParameters
{
    public static GeneratedImage Embed(GeneratedImage image, GenerationRequest request, string model)
    {
        var parameters = string.Create(CultureInfo.InvariantCulture,
            $"{request.Prompt}\nNegative prompt: {request.NegativePrompt}\nSteps: {request.Steps}, Sampler: {request.Scheduler}, " +
            $"CFG scale: {request.GuidanceScale}, Seed: {image.Seed}, Size: {request.Width}x{request.Height}, " +
            $"Images: {request.Images.Count}, Model: {model}");
        var png = PngText.Insert(image.Png, [new("parameters", parameters), new("prompt", request.Prompt)]);
        return image with { Png = png };
    }
}
