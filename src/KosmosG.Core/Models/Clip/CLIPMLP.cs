using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>fc1, activation (quick_gelu or exact gelu), fc2.</summary>
public sealed class CLIPMLP : nn.Module<Tensor, Tensor>
{
    readonly Linear fc1, fc2;
    readonly bool _quickGelu;

    public CLIPMLP(CLIPEncoderConfig config) : base(nameof(CLIPMLP))
    {
        config.Validate();
        _quickGelu = config.HiddenAct == "quick_gelu";
        fc1 = nn.Linear(config.HiddenSize, config.IntermediateSize);
        fc2 = nn.Linear(config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var h = fc1.call(hidden);
        // quick_gelu: x * sigmoid(1.702 x), the approximation OpenAI's CLIP was trained with.
        h = _quickGelu ? h * (h * 1.702).sigmoid() : nn.functional.gelu(h);
        return fc2.call(h).MoveToOuterDisposeScope();
    }
}
