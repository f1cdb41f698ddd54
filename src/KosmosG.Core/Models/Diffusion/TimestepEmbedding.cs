using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>MLP that lifts the sinusoidal timestep features to the U-Net's time-embedding width: linear, SiLU, linear.</summary>
public sealed class TimestepEmbedding : nn.Module<Tensor, Tensor>
{
    readonly Linear linear_1;
    readonly Linear linear_2;

    public TimestepEmbedding(int inChannels, int timeEmbedDim) : base(nameof(TimestepEmbedding))
    {
        linear_1 = nn.Linear(inChannels, timeEmbedDim);
        linear_2 = nn.Linear(timeEmbedDim, timeEmbedDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor sample)
    {
        using var h = linear_1.call(sample);
        return linear_2.call(h.silu_());
    }
}
