using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>The forward pass shared by the VAE's encoder and decoder stages: resnets in sequence, then an optional resampler.</summary>
internal static class VaeStage
{
    public static Tensor Run(Tensor input, ModuleList<ResnetBlock2D> resnets, Func<Tensor, Tensor>? resample)
    {
        var h = input;
        foreach (var resnet in resnets)
        {
            var next = resnet.call(h, null);
            if (!ReferenceEquals(h, input)) h.Dispose();
            h = next;
        }
        if (resample is null) return h;
        using (h) return resample(h);
    }
}
