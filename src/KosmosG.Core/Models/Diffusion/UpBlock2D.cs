using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// U-Net decoder stage without attention: resnets over [hidden | skip] concatenations, then an optional
/// up-sampler. Resnet i takes prevOutputChannels (i = 0) or outChannels, plus the skip width: inChannels
/// for the last resnet (the skip from the previous encoder stage), else outChannels.
/// </summary>
public sealed class UpBlock2D : nn.Module, IUNetUpBlock
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Upsample2D>? upsamplers;

    public UpBlock2D(int inChannels, int prevOutputChannels, int outChannels, int tembChannels, int numLayers, int groups, double eps,
        bool addUpsample) : base(nameof(UpBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(i => new ResnetBlock2D(UpBlockChannels.ResnetInput(i, numLayers, inChannels, prevOutputChannels, outChannels),
                outChannels, tembChannels, groups, eps)).ToArray());
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
            h = resnets[i].call(joined, temb);
        }
        if (upsamplers is null) return h;
        using (h) return upsamplers[0].call(h, upsampleSize);
    }
}
