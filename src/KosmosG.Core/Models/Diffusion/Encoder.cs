using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>VAE encoder: conv_in, down stages (halving the size between stages), mid block, GroupNorm, SiLU, conv_out to 2*latent channels (mean and log-variance).</summary>
public sealed class Encoder : nn.Module<Tensor, Tensor>
{
    const double Eps = 1e-6;

    readonly Conv2d conv_in;
    readonly ModuleList<DownEncoderBlock2D> down_blocks;
    readonly UNetMidBlock2D mid_block;
    readonly GroupNorm conv_norm_out;
    readonly Conv2d conv_out;

    public Encoder(AutoencoderKLConfig config) : base(nameof(Encoder))
    {
        var c = config.BlockOutChannels;
        var groups = config.NormNumGroups;
        conv_in = nn.Conv2d(config.InChannels, c[0], 3, padding: 1);
        down_blocks = nn.ModuleList(Enumerable.Range(0, c.Length)
            .Select(i => new DownEncoderBlock2D(i == 0 ? c[0] : c[i - 1], c[i], config.LayersPerBlock, groups, Eps, addDownsample: i < c.Length - 1))
            .ToArray());
        mid_block = new UNetMidBlock2D(c[^1], groups, Eps);
        conv_norm_out = GroupNorms.Create(groups, c[^1], Eps);
        conv_out = nn.Conv2d(c[^1], 2 * config.LatentChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor image)
    {
        var h = CpuConv.Call(conv_in, image);
        foreach (var block in down_blocks)
        {
            using var previous = h;
            h = block.call(previous);
        }
        using (var previous = h) h = mid_block.call(previous);
        using (h)
        using (var normed = conv_norm_out.call(h))
            return CpuConv.Call(conv_out, normed.silu_());
    }
}
