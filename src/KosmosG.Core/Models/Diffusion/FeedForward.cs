using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// The transformer block's MLP: net.0 = GEGLU(dim -> 4*dim), net.1 = diffusers' dropout (identity at inference),
/// net.2 = Linear(4*dim -> dim). Kept as a list so the checkpoint keys ff.net.0.proj / ff.net.2 match.
/// </summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<nn.Module<Tensor, Tensor>> net;

    public FeedForward(int dim, int mult = 4) : base(nameof(FeedForward))
    {
        var inner = dim * mult;
        net = nn.ModuleList<nn.Module<Tensor, Tensor>>(new GEGLU(dim, inner), nn.Identity(), nn.Linear(inner, dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var hidden = net[0].call(input);
        return net[2].call(hidden);
    }
}
