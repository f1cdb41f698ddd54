namespace KosmosG.Evaluation.DreamBench;

/// <summary>The DreamBench rows of the KOSMOS-G paper (arXiv 2310.02992, Table 1), on the paper's scale (official x100 / 100).</summary>
public static class PaperResults
{
    public static IReadOnlyList<(string Method, double Dino, double ClipI, double ClipT)> Rows { get; } =
    [
        ("KOSMOS-G (paper, zero-shot)", 0.694, 0.847, 0.287),
        ("BLIP-Diffusion (zero-shot)", 0.594, 0.779, 0.300),
        ("ELITE (zero-shot)", 0.621, 0.771, 0.293),
    ];
}
