using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

internal static class GroupNorms
{
    /// <summary>
    /// nn.GroupNorm with its affine parameters set to PyTorch's initial values (weight 1, bias 0): TorchSharp 0.107
    /// leaves them uninitialised (garbage, often NaN), which matters for any model used before weights are loaded.
    /// </summary>
    public static GroupNorm Create(int groups, int channels, double eps)
    {
        var norm = nn.GroupNorm(groups, channels, eps);
        using (no_grad())
        {
            norm.weight!.fill_(1);
            norm.bias!.zero_();
        }
        return norm;
    }
}
