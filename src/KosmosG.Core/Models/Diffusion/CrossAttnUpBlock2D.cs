using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// U-Net decoder stage with attention: (resnet over [hidden | skip], spatial transformer) pairs, then an optional
/// up-sampler. Channel bookkeeping as in <see cref="UpBlock2D"/>.
/// </summary>
public sealed class CrossAttnUpBlock2D : nn.Module, IUNetUpBlock
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Transformer2DModel> attentions;
    readonly ModuleList<Upsample2D>? upsamplers;

    public CrossAttnUpBlock2D(int inChannels, int prevOutputChannels, int outChannels, int tembChannels, int numLayers, int groups,
        double eps, bool addUpsample, int heads, int transformerLayers, int crossAttentionDim, bool useLinearProjection)
        : base(nameof(CrossAttnUpBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(i => new ResnetBlock2D(UpBlockChannels.ResnetInput(i, numLayers, inChannels, prevOutputChannels, outChannels),
                outChannels, tembChannels, groups, eps)).ToArray());
        attentions = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(_ => new Transformer2DModel(outChannels, heads, outChannels / heads, transformerLayers, crossAttentionDim, groups, useLinearProjection))
            .ToArray());
        if (addUpsample) upsamplers = nn.ModuleList(new Upsample2D(outChannels, outChannels));
        RegisterComponents();
    }

    public int ResnetCount => resnets.Count;

    public Tensor Forward(Tensor hiddenStates, IReadOnlyList<Tensor> skips, Tensor temb, Tensor encoderHiddenStates, long[]? upsampleSize)
    {
        var h = hiddenStates;
        for (var i = 0; i < resnets.Count; i++)
        {
            using var joined = cat([h, skips[^(i + 1)]], 1);
            if (i > 0) h.Dispose();
            using var r = resnets[i].call(joined, temb);
            h = attentions[i].call(r, encoderHiddenStates);
        }
        if (upsamplers is null) return h;
        using (h) return upsamplers[0].call(h, upsampleSize);
    }
}
