using static TorchSharp.torch;

namespace KosmosG.Evaluation.DreamBench;

/// <summary>The official per-pair formulas, on the x100 scale and never clamped (kosmos-g/eval dino_score.py, clip_score.py).</summary>
public static class PairScores
{
    /// <summary>DINO: 100 * F.cosine_similarity(a, b, dim=-1) (eps 1e-8), row by row.</summary>
    public static Tensor Dino(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (nn.functional.cosine_similarity(a, b, dim: -1, eps: 1e-8) * 100).MoveToOuterDisposeScope();
    }

    /// <summary>CLIP-I / CLIP-T: 100 * sum(a/|a| * b/|b|) with x.norm(p=2, dim=-1, keepdim=True) and no eps, row by row.</summary>
    public static Tensor Clip(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var an = a / a.norm(-1, keepdim: true, p: 2);
        var bn = b / b.norm(-1, keepdim: true, p: 2);
        return ((an * bn).sum(-1) * 100).MoveToOuterDisposeScope();
    }
}
