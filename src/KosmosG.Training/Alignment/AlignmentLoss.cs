using KosmosG.Models.Kosmos;
using static TorchSharp.torch;

namespace KosmosG.Training.Alignment;

/// <summary>Stage-2 losses of one batch plus the alignment quality metric.</summary>
public sealed record AlignmentLosses(Stage2Losses Losses, Tensor Cosine);

/// <summary>
/// The stage-2 loss path (official KosmosGLoss with --align): the frozen MLLM reads "&lt;s&gt; caption" without
/// images (no gradient), AlignerNet M maps its hidden states to 77 tokens that must match the frozen CLIP text
/// encoder's output (MSE) and decoder N must reconstruct the hidden states from them (MSE x 77/T).
/// </summary>
public static class AlignmentLoss
{
    /// <param name="model">KOSMOS-G with the stage-2 AlignerNet (M + N).</param>
    /// <param name="srcTokens">int64 [B, T]: &lt;s&gt; + caption ids, right-padded with &lt;pad&gt;.</param>
    /// <param name="clipTarget">[B, 77, W]: CLIP text encoder last hidden state of the same captions.</param>
    public static AlignmentLosses Compute(KosmosGModel model, Tensor srcTokens, Tensor clipTarget)
    {
        if (model.aligner is not Aligner aligner)
            throw new ArgumentException("stage-2 training needs the AlignerNet decoder N: build the model with withAlignerDecoder", nameof(model));
        Tensor hidden;
        using (no_grad()) hidden = model.MllmHidden(srcTokens);
        var anchor = aligner.encoder_query;
        var padMask = srcTokens.to(anchor.device).eq(model.Config.PaddingIdx);
        var (aligned, reconstruction) = aligner.ForwardStage2(hidden, padMask);
        var target = clipTarget.to(anchor.device);
        var losses = Aligner.Stage2Loss(aligned, target, reconstruction, hidden, model.Config.Aligner.NumQueries);
        Tensor cosine;
        using (no_grad()) cosine = nn.functional.cosine_similarity(aligned.to(ScalarType.Float32), target.to(ScalarType.Float32), dim: -1).mean();
        return new AlignmentLosses(losses, cosine);
    }
}
