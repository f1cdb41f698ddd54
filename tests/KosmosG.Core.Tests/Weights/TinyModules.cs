using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Tests.Weights;

/// <summary>The shape of a fairseq/torchscale FFN (fc1, fc2), for loading checkpoint slices.</summary>
sealed class TinyFfn : nn.Module<Tensor, Tensor>
{
    public readonly Linear fc1;
    public readonly Linear fc2;

    public TinyFfn(long width, long hidden, ScalarType dtype = ScalarType.Float32) : base(nameof(TinyFfn))
    {
        fc1 = nn.Linear(width, hidden, dtype: dtype);
        fc2 = nn.Linear(hidden, width, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(fc1.forward(x));
}

/// <summary>Parameters in a nested ModuleList, a persistent buffer and a non-persistent one (not in a state dict).</summary>
sealed class TinyNet : nn.Module<Tensor, Tensor>
{
    public readonly Linear proj;
    public readonly ModuleList<Linear> blocks;

    public TinyNet(ScalarType dtype = ScalarType.Float32) : base(nameof(TinyNet))
    {
        proj = nn.Linear(3, 2, dtype: dtype);
        blocks = nn.ModuleList(nn.Linear(2, 2, hasBias: false, dtype: dtype));
        register_buffer("scale", ones(2, dtype: dtype));
        register_buffer("cache", zeros(4, dtype: dtype), persistent: false);
        RegisterComponents();
    }

    public static readonly string[] Keys = ["proj.weight", "proj.bias", "blocks.0.weight", "scale"];

    public override Tensor forward(Tensor x) => blocks[0].forward(proj.forward(x));
}
