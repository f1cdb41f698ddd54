using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// The blocks' residual arithmetic: in place at inference (no extra activation-sized tensors) and out of place while
/// gradients are recorded (the trainers backpropagate through the frozen U-Net, and autograd needs the operands it
/// saved left intact). The left operand is consumed either way.
/// </summary>
internal static class Residual
{
    public static Tensor Add(Tensor h, Tensor other) => Apply(h, t => t.add_(other), t => t.add(other));
    public static Tensor Mul(Tensor h, Tensor other) => Apply(h, t => t.mul_(other), t => t.mul(other));
    public static Tensor Div(Tensor h, double divisor) => Apply(h, t => t.div_(divisor), t => t.div(divisor));

    static Tensor Apply(Tensor h, Func<Tensor, Tensor> inPlace, Func<Tensor, Tensor> outOfPlace)
    {
        if (!is_grad_enabled()) return inPlace(h);
        var result = outOfPlace(h);
        h.Dispose();
        return result;
    }
}
