using static TorchSharp.torch;

namespace KosmosG.Training.Language;

/// <summary>Mean next-token cross-entropy over the scored targets, and the share of them predicted exactly (argmax).</summary>
public sealed record LmLossResult(Tensor Loss, Tensor Accuracy, long Tokens);

/// <summary>
/// The language-modelling loss as fairseq's cross-entropy criterion computes it: summed over the scored target
/// tokens, divided by their number (token-level mean over the whole batch). Computed in float32 whatever the
/// logits' dtype.
/// </summary>
public static class LmLoss
{
    /// <param name="logits">[B, T, V].</param>
    /// <param name="targets">int64 [B, T]: the token that follows each position.</param>
    /// <param name="scored">bool [B, T]: which targets count.</param>
    public static LmLossResult Compute(Tensor logits, Tensor targets, Tensor scored)
    {
        if (logits.dim() != 3 || !targets.shape.SequenceEqual(logits.shape[..2]) || !scored.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"logits [{string.Join(", ", logits.shape)}] must be [B, T, V] for targets [{string.Join(", ", targets.shape)}] and mask [{string.Join(", ", scored.shape)}]");
        using var scope = NewDisposeScope();
        var mask = scored.to(ScalarType.Bool).to(logits.device);
        var count = mask.sum().item<long>();
        if (count == 0) throw new ArgumentException("the batch has no scored target token");
        var target = targets.to(logits.device);
        var logProbs = logits.to(ScalarType.Float32).log_softmax(-1);
        var nll = -logProbs.gather(-1, target.unsqueeze(-1)).squeeze(-1);
        var loss = nll.masked_select(mask).sum() / count;
        var correct = logProbs.argmax(-1).eq(target).logical_and(mask);
        var accuracy = correct.sum().to(ScalarType.Float32) / count;
        return new LmLossResult(loss.MoveToOuterDisposeScope(), accuracy.MoveToOuterDisposeScope(), count);
    }
}
