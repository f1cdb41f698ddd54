using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>U-Net encoder stage with attention: (resnet, spatial transformer) pairs, then an optional down-sampler.</summary>
public sealed class CrossAttnDownBlock2D : nn.Module, IUNetDownBlock
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Transformer2DModel> attentions;
    readonly ModuleList<Downsample2D>? downsamplers;

    public CrossAttnDownBlock2D(int inChannels, int outChannels, int tembChannels, int numLayers, int groups, double eps,
        bool addDownsample, int downsamplePadding, int heads, int transformerLayers, int crossAttentionDim, bool useLinearProjection)
        : base(nameof(CrossAttnDownBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, tembChannels, groups, eps)).ToArray());
        attentions = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(_ => new Transformer2DModel(outChannels, heads, outChannels / heads, transformerLayers, crossAttentionDim, groups, useLinearProjection))
            .ToArray());
        if (addDownsample) downsamplers = nn.ModuleList(new Downsample2D(outChannels, outChannels, downsamplePadding));
        RegisterComponents();
    }

    public IReadOnlyList<Tensor> Forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates)
    {
        var states = new List<Tensor>();
        var h = hiddenStates;
        for (var i = 0; i < resnets.Count; i++)
        {
            using var r = resnets[i].call(h, temb);
            states.Add(h = attentions[i].call(r, encoderHiddenStates));
        }
        if (downsamplers is not null) states.Add(downsamplers[0].call(h));
        return states;
    }
}
