using static TorchSharp.torch;

namespace KosmosG.Models.Kosmos;

/// <summary>Scalar losses of AlignerNet stage-2 training; <see cref="Loss"/> = <see cref="MseLoss"/> + <see cref="RecLoss"/>.</summary>
public sealed record Stage2Losses(Tensor MseLoss, Tensor RecLoss, Tensor Loss);
