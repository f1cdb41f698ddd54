using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>Multi-head attention over all tokens, scale 1/sqrt(head_dim); query, key and value are separate projections
/// (the torch.hub checkpoint's fused qkv is split on load, see <see cref="DinoHubStateDict"/>).</summary>
public sealed class ViTSelfAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear query, key, value;
    readonly int _heads, _headDim;

    public ViTSelfAttention(ViTConfig config) : base(nameof(ViTSelfAttention))
    {
        (_heads, _headDim) = (config.NumAttentionHeads, config.HeadDim);
        query = nn.Linear(config.HiddenSize, config.HiddenSize, hasBias: config.QkvBias);
        key = nn.Linear(config.HiddenSize, config.HiddenSize, hasBias: config.QkvBias);
        value = nn.Linear(config.HiddenSize, config.HiddenSize, hasBias: config.QkvBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        long b = hidden.shape[0], t = hidden.shape[1];
        Tensor Heads(Linear proj) => proj.forward(hidden).view(b, t, _heads, _headDim).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(Heads(query), Heads(key), Heads(value));
        return attended.transpose(1, 2).reshape(b, t, _heads * _headDim).MoveToOuterDisposeScope();
    }
}
