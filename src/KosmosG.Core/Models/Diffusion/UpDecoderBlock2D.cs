using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>VAE decoder stage: resnets without time embedding, then an optional x2 nearest up-sampler with a 3x3 conv.</summary>
public sealed class UpDecoderBlock2D : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Upsample2D>? upsamplers;

    public UpDecoderBlock2D(int inChannels, int outChannels, int numLayers, int groups, double eps, bool addUpsample)
        : base(nameof(UpDecoderBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, eps)).ToArray());
        if (addUpsample) upsamplers = nn.ModuleList(new Upsample2D(outChannels, outChannels));
        RegisterComponents();
    }

    /// <param name="hiddenStates">Not modified.</param>
    public override Tensor forward(Tensor hiddenStates) =>
        VaeStage.Run(hiddenStates, resnets, upsamplers is null ? null : x => upsamplers[0].call(x, null));
}
