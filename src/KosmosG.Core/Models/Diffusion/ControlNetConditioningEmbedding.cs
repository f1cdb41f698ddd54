using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// diffusers ControlNetConditioningEmbedding: takes the pixel-space control image to the latent grid. conv_in, SiLU, then
/// per width step a same-width conv and a stride-2 conv to the next width (each followed by SiLU), then conv_out to the
/// U-Net's first width (no activation).
/// </summary>
public sealed class ControlNetConditioningEmbedding : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly ModuleList<Conv2d> blocks;
    readonly Conv2d conv_out;

    public ControlNetConditioningEmbedding(int embeddingChannels, int conditioningChannels, IReadOnlyList<int> blockOutChannels)
        : base(nameof(ControlNetConditioningEmbedding))
    {
        conv_in = nn.Conv2d(conditioningChannels, blockOutChannels[0], 3, padding: 1);
        var convs = new List<Conv2d>();
        for (var i = 0; i < blockOutChannels.Count - 1; i++)
        {
            convs.Add(nn.Conv2d(blockOutChannels[i], blockOutChannels[i], 3, padding: 1));
            convs.Add(nn.Conv2d(blockOutChannels[i], blockOutChannels[i + 1], 3, padding: 1, stride: 2));
        }
        blocks = nn.ModuleList(convs.ToArray());
        conv_out = nn.Conv2d(blockOutChannels[^1], embeddingChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor conditioning)
    {
        var h = CpuConv.Call(conv_in, conditioning).silu_();
        foreach (var block in blocks)
        {
            using var previous = h;
            h = CpuConv.Call(block, previous).silu_();
        }
        using (h) return CpuConv.Call(conv_out, h);
    }
}
