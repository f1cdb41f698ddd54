using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>U-Net bottleneck: resnet, then (spatial transformer, resnet) pairs at constant width.</summary>
public sealed class UNetMidBlock2DCrossAttn : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly ModuleList<Transformer2DModel> attentions;
    readonly ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2DCrossAttn(int channels, int tembChannels, int groups, double eps, double outputScaleFactor, int heads,
        int transformerLayers, int crossAttentionDim, bool useLinearProjection, int numLayers = 1) : base(nameof(UNetMidBlock2DCrossAttn))
    {
        attentions = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(_ => new Transformer2DModel(channels, heads, channels / heads, transformerLayers, crossAttentionDim, groups, useLinearProjection))
            .ToArray());
        resnets = nn.ModuleList(Enumerable.Range(0, numLayers + 1)
            .Select(_ => new ResnetBlock2D(channels, channels, tembChannels, groups, eps, outputScaleFactor)).ToArray());
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, C, H, W]; not modified.</param>
    public override Tensor forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates)
    {
        var h = resnets[0].call(hiddenStates, temb);
        for (var i = 0; i < attentions.Count; i++)
        {
            using var previous = h;
            using var attended = attentions[i].call(previous, encoderHiddenStates);
            h = resnets[i + 1].call(attended, temb);
        }
        return h;
    }
}
