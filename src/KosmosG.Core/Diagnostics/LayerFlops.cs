using KosmosG.Models.Diffusion;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Diagnostics;

/// <summary>
/// Counts the floating-point work (2 x multiply-adds) of convolutions, linear layers and diffusers attention products
/// while attached, from the shapes each call actually sees; norms and activations are negligible and left out.
/// </summary>
public sealed class LayerFlops : IDisposable
{
    readonly List<Action> _removers = [];

    public double Flops { get; private set; }

    public LayerFlops(nn.Module root)
    {
        foreach (var module in root.modules().Prepend(root))
        {
            switch (module)
            {
                case Conv2d conv:
                    var perOutput = conv.in_channels / conv.groups * conv.kernel_size.Aggregate(1L, (a, k) => a * k);
                    var convHook = conv.register_forward_hook((_, _, output) => { Flops += 2.0 * output.numel() * perOutput; return output; });
                    _removers.Add(convHook.remove);
                    break;
                case Linear linear:
                    var linearHook = linear.register_forward_hook((_, _, output) => { Flops += 2.0 * output.numel() * linear.in_features; return output; });
                    _removers.Add(linearHook.remove);
                    break;
                case Attention attention:
                    var attentionHook = attention.register_forward_hook((_, input, context, output) =>
                    {
                        Flops += 2.0 * 2 * Attention.Tokens(input) * Attention.Tokens(context ?? input) * attention.InnerDim * input.shape[0];
                        return output;
                    });
                    _removers.Add(attentionHook.remove);
                    break;
            }
        }
    }

    public void Reset() => Flops = 0;

    public void Dispose()
    {
        foreach (var remove in _removers) remove();
        _removers.Clear();
    }
}
