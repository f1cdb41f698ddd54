using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// torchscale <c>Encoder</c> as the AlignerNet builds it (<c>encoder_proj</c>, <c>decoder_proj</c>): optional input
/// Linear (<c>embed_tokens</c>), learned positions read from row <c>position_offset</c> on (scale 1, no_scale_embedding),
/// padded rows zeroed, sub-LN layers with key padding mask, final LayerNorm, optional <c>output_projection</c>.
/// </summary>
public sealed class TorchscaleEncoder : Module
{
    public readonly Linear? embed_tokens;
    public readonly Embedding embed_positions;
    public readonly ModuleList<SubLnTransformerLayer> layers;
    public readonly LayerNorm layer_norm;
    public readonly Linear? output_projection;

    readonly AlignerConfig _config;

    /// <param name="inputDim">Width of the input sequence when it is projected by embed_tokens; null: input is already W wide.</param>
    /// <param name="outputDim">Width of output_projection; null: no projection.</param>
    public TorchscaleEncoder(AlignerConfig config, int? inputDim, int? outputDim) : base(nameof(TorchscaleEncoder))
    {
        _config = config;
        var w = config.EmbedDim;
        if (inputDim is int i) embed_tokens = Linear(i, w);
        embed_positions = Embedding(config.MaxPositions, w);
        layers = new ModuleList<SubLnTransformerLayer>(Enumerable.Range(0, config.Layers)
            .Select(_ => new SubLnTransformerLayer(w, config.Heads, config.FfnEmbedDim, config.LayernormEps, crossAttention: false))
            .ToArray());
        layer_norm = LayerNorm(w, config.LayernormEps);
        if (outputDim is int o) output_projection = Linear(w, o);
        RegisterComponents();
    }

    /// <param name="input">[B, T, Din]</param>
    /// <param name="padMask">bool [B, T], true on padding; null for none.</param>
    public Tensor forward(Tensor input, Tensor? padMask = null)
    {
        var t = input.shape[1];
        if (t > _config.MaxSequenceLength)
            throw new ArgumentException(
                $"sequence of {t} positions exceeds the AlignerNet position table (aligner.max_positions {_config.MaxPositions} - offset {_config.PositionOffset})",
                nameof(input));
        var x = embed_tokens?.call(input) ?? input;
        x = x + embed_positions.weight!.narrow(0, _config.PositionOffset, t).to(x.dtype);
        Tensor? keep = null;
        if (padMask is not null)
        {
            var notPad = padMask.logical_not();
            x = x * notPad.unsqueeze(-1).to(x.dtype);
            keep = notPad.unsqueeze(1).unsqueeze(1);
        }
        foreach (var layer in layers) x = layer.call(x, keep, false, null, null);
        x = layer_norm.call(x);
        return output_projection?.call(x) ?? x;
    }
}
