using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// The XConnector (<c>img_connector</c>): a dense projection of every vision token to the MLLM width, then the
/// latent queries attend (fairseq MHA, no masks) over concat(projected image tokens, latent queries).
/// </summary>
public sealed class XConnector : Module<Tensor, Tensor>
{
    public readonly Linear dense;
    public readonly Parameter latent_query;
    public readonly MultiheadAttention x_attn;

    public XConnector(KosmosGConfig config) : base(nameof(XConnector))
    {
        dense = Linear(config.Vision.Width, config.DecoderEmbedDim);
        latent_query = new Parameter(randn(config.LatentQueryNum, config.DecoderEmbedDim));
        x_attn = new MultiheadAttention(config.DecoderEmbedDim, config.ConnectorHeads, subLn: false, config.LayernormEps);
        RegisterComponents();
    }

    /// <param name="features">[N, L, Wv] normalised vision tokens.</param>
    /// <returns>[N·Q, D], image-major (rows n·Q .. n·Q+Q-1 belong to image n).</returns>
    public override Tensor forward(Tensor features)
    {
        var x = dense.call(features);
        var n = x.shape[0];
        var queries = latent_query.to(x.dtype).unsqueeze(0).expand(n, -1, -1);
        var attended = x_attn.call(queries, cat([x, queries], 1), null, false);
        return attended.reshape(-1, attended.shape[2]);
    }
}
