using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// torchscale <c>Decoder</c> as the AlignerNet builds it (<c>encoder</c>, <c>decoder</c>): encoder-decoder layers
/// with a non-causal mask and no token/position embeddings; the inputs are learned queries (scale 1). Each layer
/// does sub-LN self-attention, cross-attention to a memory sequence, sub-LN FFN; then a final LayerNorm.
/// </summary>
public sealed class QueryDecoder : Module
{
    public readonly ModuleList<SubLnTransformerLayer> layers;
    public readonly LayerNorm layer_norm;

    public QueryDecoder(AlignerConfig config) : base(nameof(QueryDecoder))
    {
        layers = new ModuleList<SubLnTransformerLayer>(Enumerable.Range(0, config.Layers)
            .Select(_ => new SubLnTransformerLayer(config.EmbedDim, config.Heads, config.FfnEmbedDim, config.LayernormEps, crossAttention: true))
            .ToArray());
        layer_norm = LayerNorm(config.EmbedDim, config.LayernormEps);
        RegisterComponents();
    }

    /// <param name="queries">[B, Q, W]</param>
    /// <param name="memory">[B, S, W] cross-attended sequence.</param>
    /// <param name="memoryPadMask">bool [B, S], true on padding; null for none.</param>
    public Tensor forward(Tensor queries, Tensor memory, Tensor? memoryPadMask = null)
    {
        var keep = memoryPadMask?.logical_not().unsqueeze(1).unsqueeze(1);
        var x = queries;
        foreach (var layer in layers) x = layer.call(x, null, false, memory, keep);
        return layer_norm.call(x);
    }
}
