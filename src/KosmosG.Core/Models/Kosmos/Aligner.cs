using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// The stage-2 (<c>--align</c>) AlignerNet: encoder M plus the reconstruction decoder N (<c>decoder_query</c>,
/// <c>decoder</c>, <c>decoder_proj</c> with <c>output_projection</c> back to the MLLM width). The frozen CLIP text
/// encoder that supplies the MSE target (<c>aligner.clip_encoder.*</c>) is not part of this class.
/// </summary>
public sealed class Aligner : AlignerEncoder
{
    public readonly Parameter decoder_query;
    public readonly QueryDecoder decoder;
    public readonly TorchscaleEncoder decoder_proj;

    public Aligner(AlignerConfig config, int mllmDim) : base(config, mllmDim, nameof(Aligner))
    {
        decoder_query = new Parameter(randn(config.MaxPositions, config.EmbedDim));
        decoder = new QueryDecoder(config);
        decoder_proj = new TorchscaleEncoder(config, inputDim: null, outputDim: mllmDim);
        register_parameter(nameof(decoder_query), decoder_query);
        register_module(nameof(decoder), decoder);
        register_module(nameof(decoder_proj), decoder_proj);
    }

    /// <summary>Decoder N: the first T decoder queries read M's output (no mask) and are projected back to [B, T, D].</summary>
    public Tensor Reconstruct(Tensor alignerOut, long length)
    {
        if (length > Config.MaxPositions)
            throw new ArgumentException($"cannot reconstruct {length} positions: aligner.max_positions is {Config.MaxPositions}", nameof(length));
        var queries = decoder_query.narrow(0, 0, length).to(alignerOut.dtype).unsqueeze(0).expand(alignerOut.shape[0], -1, -1);
        return decoder_proj.forward(decoder.forward(queries, alignerOut));
    }

    /// <summary>Stage-2 forward: M's condition and N's reconstruction of the MLLM hidden states.</summary>
    public (Tensor AlignerOut, Tensor Reconstruction) ForwardStage2(Tensor hidden, Tensor padMask)
    {
        var m = forward(hidden, padMask);
        return (m, Reconstruct(m, hidden.shape[1]));
    }

    /// <summary>
    /// The official stage-2 loss (KosmosGLoss): mse_loss = mean((M - clip_target)²) over all elements,
    /// rec_loss = mean((N_rec - hidden)²) · Q / T (pads included, T = padded length), loss = mse_loss + rec_loss.
    /// Computed in float32.
    /// </summary>
    public static Stage2Losses Stage2Loss(Tensor alignerOut, Tensor clipTarget, Tensor reconstruction, Tensor hidden, int numQueries)
    {
        if (!alignerOut.shape.SequenceEqual(clipTarget.shape))
            throw new ArgumentException($"CLIP target [{string.Join(", ", clipTarget.shape)}] must match the AlignerNet output [{string.Join(", ", alignerOut.shape)}]", nameof(clipTarget));
        if (!reconstruction.shape.SequenceEqual(hidden.shape))
            throw new ArgumentException($"reconstruction [{string.Join(", ", reconstruction.shape)}] must match the hidden states [{string.Join(", ", hidden.shape)}]", nameof(reconstruction));
        var mse = functional.mse_loss(alignerOut.to(ScalarType.Float32), clipTarget.to(ScalarType.Float32));
        var rec = functional.mse_loss(reconstruction.to(ScalarType.Float32), hidden.to(ScalarType.Float32)) * ((double)numQueries / hidden.shape[1]);
        return new Stage2Losses(mse, rec, mse + rec);
    }
}
