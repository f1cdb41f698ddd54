using KosmosG.Diagnostics;
using KosmosG.Models.Kosmos;
using static TorchSharp.torch;

namespace KosmosG.Cli.Commands;

/// <summary>
/// The KOSMOS-G prompt the benches with random weights encode: "&lt;i&gt; wearing &lt;i&gt;" with two random images,
/// laid out as the prompt builder does (bos, then per image [boi, slots x image, eoi], a word in between), without a
/// tokenizer.
/// </summary>
internal sealed class RandomKosmosGPrompt : IDisposable
{
    const int Images = 2;

    public Tensor Tokens { get; }
    public Tensor ImageMask { get; }
    public Tensor Pixels { get; }

    public RandomKosmosGPrompt(KosmosGModel model)
    {
        var config = model.Config;
        var layout = new List<(long Token, bool Image)> { (KosmosGModel.BosTokenId, false) };
        for (var i = 0; i < Images; i++)
        {
            if (i == 1) layout.Add((config.VocabSize - 1, false));
            layout.Add((config.VocabSize - 2, false));
            layout.AddRange(Enumerable.Repeat((config.VocabSize - 3L, true), config.LatentQueryNum));
            layout.Add((config.VocabSize - 4, false));
        }
        var device = model.parameters().First().device;
        Tokens = tensor(layout.Select(t => t.Token).ToArray(), [1, layout.Count]).to(device);
        ImageMask = tensor(layout.Select(t => t.Image).ToArray(), [1, layout.Count]).to(device);
        Pixels = randn([Images, 3, config.Vision.ImageSize, config.Vision.ImageSize], generator: new Generator(0));
    }

    /// <summary>Estimated work of encoding this prompt, plus the unconditional "&lt;s&gt;" branch when guided.</summary>
    public double Flops(KosmosGModel model, bool guided) =>
        KosmosGFlops.EncodeEstimate(model, Tokens.shape[1], Images) + (guided ? KosmosGFlops.EncodeEstimate(model, 1, 0) : 0);

    /// <summary>The condition a pipeline denoises with: [uncond; cond] when guided (the official encode_condition), else cond.</summary>
    public Tensor Encode(KosmosGModel model, bool guided) => guided
        ? model.EncodeCondition(Tokens, ImageMask, Pixels, negativeTokens: null, imagesPerPrompt: 1)
        : model.EncodePrompt(Tokens, ImageMask, Pixels);

    public void Dispose()
    {
        Tokens.Dispose();
        ImageMask.Dispose();
        Pixels.Dispose();
    }
}
