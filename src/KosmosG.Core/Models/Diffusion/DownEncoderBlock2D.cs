using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>VAE encoder stage: resnets without time embedding, then an optional right/bottom-padded stride-2 down-sampler.</summary>
public sealed class DownEncoderBlock2D : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Downsample2D>? downsamplers;

    public DownEncoderBlock2D(int inChannels, int outChannels, int numLayers, int groups, double eps, bool addDownsample)
        : base(nameof(DownEncoderBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, eps)).ToArray());
        if (addDownsample) downsamplers = nn.ModuleList(new Downsample2D(outChannels, outChannels, padding: 0));
        RegisterComponents();
    }

    /// <param name="hiddenStates">Not modified.</param>
    public override Tensor forward(Tensor hiddenStates) => VaeStage.Run(hiddenStates, resnets, downsamplers is null ? null : downsamplers[0].call);
}
