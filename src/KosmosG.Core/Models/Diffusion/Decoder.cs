using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>VAE decoder: conv_in, mid block, up stages (widths reversed, one more resnet each, doubling the size between stages), GroupNorm, SiLU, conv_out.</summary>
public sealed class Decoder : nn.Module<Tensor, Tensor>
{
    const double Eps = 1e-6;

    readonly Conv2d conv_in;
    readonly UNetMidBlock2D mid_block;
    readonly ModuleList<UpDecoderBlock2D> up_blocks;
    readonly GroupNorm conv_norm_out;
    readonly Conv2d conv_out;

    public Decoder(AutoencoderKLConfig config) : base(nameof(Decoder))
    {
        var reversed = config.BlockOutChannels.Reverse().ToArray();
        var groups = config.NormNumGroups;
        conv_in = nn.Conv2d(config.LatentChannels, reversed[0], 3, padding: 1);
        mid_block = new UNetMidBlock2D(reversed[0], groups, Eps);
        up_blocks = nn.ModuleList(Enumerable.Range(0, reversed.Length)
            .Select(i => new UpDecoderBlock2D(i == 0 ? reversed[0] : reversed[i - 1], reversed[i], config.LayersPerBlock + 1, groups, Eps,
                addUpsample: i < reversed.Length - 1))
            .ToArray());
        conv_norm_out = GroupNorms.Create(groups, reversed[^1], Eps);
        conv_out = nn.Conv2d(reversed[^1], config.OutChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)
    {
        var h = CpuConv.Call(conv_in, z);
        using (var previous = h) h = mid_block.call(previous);
        foreach (var block in up_blocks)
        {
            using var previous = h;
            h = block.call(previous);
        }
        using (h)
        using (var normed = conv_norm_out.call(h))
            return CpuConv.Call(conv_out, normed.silu_());
    }
}
