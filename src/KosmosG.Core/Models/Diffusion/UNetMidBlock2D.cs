using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// VAE bottleneck: resnet, single-head self-attention over all positions (GroupNorm in front, residual), resnet.
/// No time embedding.
/// </summary>
public sealed class UNetMidBlock2D : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<Attention> attentions;
    readonly ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2D(int channels, int groups, double eps) : base(nameof(UNetMidBlock2D))
    {
        attentions = nn.ModuleList(new Attention(channels, null, heads: 1, dimHead: channels, bias: true,
            normNumGroups: groups, eps: eps, residualConnection: true));
        resnets = nn.ModuleList(
            new ResnetBlock2D(channels, channels, null, groups, eps),
            new ResnetBlock2D(channels, channels, null, groups, eps));
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var first = resnets[0].call(hiddenStates, null);
        using var attended = attentions[0].call(first, null);
        return resnets[1].call(attended, null);
    }
}
