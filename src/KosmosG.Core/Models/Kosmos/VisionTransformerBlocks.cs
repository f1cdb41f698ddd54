using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>open_clip <c>Transformer</c>: the stack of vision blocks under <c>transformer.resblocks.{i}</c>.</summary>
public sealed class VisionTransformerBlocks : Module<Tensor, Tensor>
{
    public readonly ModuleList<ResidualAttentionBlock> resblocks;

    public VisionTransformerBlocks(VisionConfig config) : base(nameof(VisionTransformerBlocks))
    {
        resblocks = new ModuleList<ResidualAttentionBlock>(
            Enumerable.Range(0, config.Layers).Select(_ => new ResidualAttentionBlock(config)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (var block in resblocks) x = block.call(x);
        return x;
    }
}
