using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>Multi-head self-attention; causal in the text model (each position sees itself and earlier positions only), full in the vision model.</summary>
public sealed class CLIPAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear q_proj, k_proj, v_proj, out_proj;
    readonly int _heads, _headDim;
    readonly bool _causal;

    public CLIPAttention(CLIPEncoderConfig config, bool causal) : base(nameof(CLIPAttention))
    {
        _causal = causal;
        _heads = config.NumAttentionHeads;
        _headDim = config.HeadDim;
        q_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        k_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        v_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        out_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, hidden_size]</param>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        long b = hidden.shape[0], t = hidden.shape[1];
        Tensor Heads(Linear proj) => proj.call(hidden).view(b, t, _heads, _headDim).transpose(1, 2);
        // Default scale 1/sqrt(head_dim), as CLIP's; the causal mask is the one CLIP's text model builds (upper triangle masked).
        var attended = nn.functional.scaled_dot_product_attention(Heads(q_proj), Heads(k_proj), Heads(v_proj), is_casual: _causal);
        return out_proj.call(attended.transpose(1, 2).reshape(b, t, _heads * _headDim)).MoveToOuterDisposeScope();
    }
}
