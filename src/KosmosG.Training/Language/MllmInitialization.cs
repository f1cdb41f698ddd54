using KosmosG.Models.Kosmos;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Training.Language;

/// <summary>
/// The official from-scratch initialisation of the MLLM (<c>gpt_model.decoder</c>), replacing TorchSharp's
/// defaults where they differ: fairseq's token embedding N(0, D^-1/2) with a zero &lt;pad&gt; row (TorchSharp's
/// N(0, 1), times the sqrt(D) embedding scale and reused as the tied output projection, would start with huge
/// logits); torchscale's attention init (q/k/v Xavier-uniform with gain 2^-1/2, out_proj Xavier-uniform with a
/// zero bias); then the sub-LN (Magneto) scaling: every parameter named fc1, fc2, out_proj or v_proj times
/// sqrt(log 2L) (torchscale Decoder, decoder-only). Layer norms and FFN linears keep their defaults.
/// </summary>
public static class MllmInitialization
{
    public static void Apply(KosmosGModel model, Generator? generator = null)
    {
        var config = model.Config;
        var decoder = model.gpt_model.decoder;
        using var _ = no_grad();
        var embedding = decoder.embed_tokens.weight!;
        init.normal_(embedding, 0, Math.Pow(config.DecoderEmbedDim, -0.5), generator);
        embedding[config.PaddingIdx].zero_();
        foreach (var layer in decoder.layers)
        {
            var attention = layer.self_attn;
            foreach (var projection in new[] { attention.q_proj, attention.k_proj, attention.v_proj })
                init.xavier_uniform_(projection.weight!, 1 / Math.Sqrt(2));
            init.xavier_uniform_(attention.out_proj.weight!);
            init.zeros_(attention.out_proj.bias!);
        }
        var scale = Math.Sqrt(Math.Log(2.0 * config.DecoderLayers));
        foreach (var (name, parameter) in decoder.named_parameters())
            if (name.Contains("fc1") || name.Contains("fc2") || name.Contains("out_proj") || name.Contains("v_proj"))
                parameter.mul_(scale);
    }
}
