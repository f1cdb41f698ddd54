using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// torchscale sub-LN feed-forward block: fc1 -> exact (erf) GELU computed in float32 -> ffn_layernorm -> fc2.
/// </summary>
public sealed class FeedForwardNetwork : Module<Tensor, Tensor>
{
    public readonly Linear fc1;
    public readonly Linear fc2;
    public readonly LayerNorm ffn_layernorm;

    public FeedForwardNetwork(int embedDim, int ffnDim, double eps) : base(nameof(FeedForwardNetwork))
    {
        fc1 = Linear(embedDim, ffnDim);
        fc2 = Linear(ffnDim, embedDim);
        ffn_layernorm = LayerNorm(ffnDim, eps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = fc1.call(x);
        h = functional.gelu(h.to(ScalarType.Float32)).to(h.dtype);
        return fc2.call(ffn_layernorm.call(h));
    }
}
