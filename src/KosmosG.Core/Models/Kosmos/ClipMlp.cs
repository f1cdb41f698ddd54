using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>open_clip MLP of a vision block: c_fc -> QuickGELU (x·sigmoid(1.702x), forced for OpenAI ViT-L/14) -> c_proj.</summary>
public sealed class ClipMlp : Module<Tensor, Tensor>
{
    public readonly Linear c_fc;
    public readonly Linear c_proj;

    public ClipMlp(int width, int mlpWidth) : base(nameof(ClipMlp))
    {
        c_fc = Linear(width, mlpWidth);
        c_proj = Linear(mlpWidth, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = c_fc.call(x);
        return c_proj.call(h * sigmoid(h * 1.702));
    }
}
