using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>U-Net encoder stage without attention: resnets, then an optional stride-2 down-sampler.</summary>
public sealed class DownBlock2D : nn.Module, IUNetDownBlock
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Downsample2D>? downsamplers;

    public DownBlock2D(int inChannels, int outChannels, int tembChannels, int numLayers, int groups, double eps,
        bool addDownsample, int downsamplePadding) : base(nameof(DownBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, tembChannels, groups, eps)).ToArray());
        if (addDownsample) downsamplers = nn.ModuleList(new Downsample2D(outChannels, outChannels, downsamplePadding));
        RegisterComponents();
    }

    public IReadOnlyList<Tensor> Forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates)
    {
        var states = new List<Tensor>();
        var h = hiddenStates;
        foreach (var resnet in resnets) states.Add(h = resnet.call(h, temb));
        if (downsamplers is not null) states.Add(downsamplers[0].call(h));
        return states;
    }
}
