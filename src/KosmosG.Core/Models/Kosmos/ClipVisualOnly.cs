using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// The KOSMOS-G image encoder (<c>img_model</c>): the vision tower followed by a per-token L2 normalisation
/// (F.normalize, eps 1e-12). Output [N, L, W] batch-first.
/// </summary>
public sealed class ClipVisualOnly : Module<Tensor, Tensor>
{
    public readonly VisualTransformer visual;

    public ClipVisualOnly(VisionConfig config) : base(nameof(ClipVisualOnly))
    {
        visual = new VisualTransformer(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels) => functional.normalize(visual.call(pixels), p: 2, dim: -1, eps: 1e-12);
}
