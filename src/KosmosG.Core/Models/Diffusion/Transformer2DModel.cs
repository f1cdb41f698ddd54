using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Spatial transformer of the U-Net: GroupNorm, projection in (1x1 conv, or linear on the flattened sequence
/// when useLinearProjection as in SD 2.x), transformer blocks over the H*W sequence, projection out, plus the input.
/// </summary>
public sealed class Transformer2DModel : nn.Module<Tensor, Tensor, Tensor>
{
    readonly GroupNorm norm;
    readonly nn.Module<Tensor, Tensor> proj_in;
    readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    readonly nn.Module<Tensor, Tensor> proj_out;
    readonly bool _useLinearProjection;

    public Transformer2DModel(int inChannels, int heads, int headDim, int numLayers, int crossAttentionDim, int normNumGroups,
        bool useLinearProjection) : base(nameof(Transformer2DModel))
    {
        var inner = heads * headDim;
        norm = GroupNorms.Create(normNumGroups, inChannels, 1e-6);
        proj_in = useLinearProjection ? nn.Linear(inChannels, inner) : nn.Conv2d(inChannels, inner, 1);
        transformer_blocks = nn.ModuleList(Enumerable.Range(0, numLayers)
            .Select(_ => new BasicTransformerBlock(inner, heads, headDim, crossAttentionDim)).ToArray());
        proj_out = useLinearProjection ? nn.Linear(inner, inChannels) : nn.Conv2d(inner, inChannels, 1);
        _useLinearProjection = useLinearProjection;
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, C, H, W]; not modified.</param>
    /// <param name="encoderHiddenStates">[B, M, crossAttentionDim].</param>
    public override Tensor forward(Tensor hiddenStates, Tensor encoderHiddenStates)
    {
        var (batch, height, width) = (hiddenStates.shape[0], hiddenStates.shape[2], hiddenStates.shape[3]);
        Tensor ToSequence(Tensor t)
        {
            using var nhwc = t.permute(0, 2, 3, 1);
            return nhwc.reshape(batch, height * width, t.shape[1]);
        }
        // The U-Net runs channels-last, so both conversions are views, not copies.
        Tensor ToImage(Tensor t)
        {
            using var nhwc = t.view(batch, height, width, t.shape[2]);
            return nhwc.permute(0, 3, 1, 2);
        }

        Tensor sequence;
        using (var normed = norm.call(hiddenStates))
        {
            if (_useLinearProjection)
            {
                using var flat = ToSequence(normed);
                sequence = proj_in.call(flat);
            }
            else
            {
                using var projected = CpuConv.Call((Conv2d)proj_in, normed);
                sequence = ToSequence(projected);
            }
        }
        foreach (var block in transformer_blocks)
        {
            var next = block.call(sequence, encoderHiddenStates);
            sequence.Dispose();
            sequence = next;
        }
        Tensor output;
        using (sequence)
        {
            if (_useLinearProjection)
            {
                using var projected = proj_out.call(sequence);
                output = ToImage(projected);
            }
            else
            {
                using var image = ToImage(sequence);
                output = CpuConv.Call((Conv2d)proj_out, image);
            }
        }
        return Residual.Add(output, hiddenStates);
    }
}
