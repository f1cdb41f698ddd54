using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// The KOSMOS-G MLLM (<c>gpt_model.decoder</c>): a torchscale Magneto decoder (pre-LN + sub-LN, causal, no xPos
/// although the checkpoint carries the unused <c>self_attn_sope.scale</c>). The output projection is tied to
/// <c>embed_tokens</c>, so it is not a separate parameter here. As in the official code (whose second
/// <c>forward</c> definition wins) only the causal mask is applied, never a padding mask.
/// </summary>
public sealed class LMDecoder : Module
{
    public readonly Embedding embed_tokens;
    public readonly SinusoidalPositionalEmbedding embed_positions;
    public readonly ModuleList<SubLnTransformerLayer> layers;
    public readonly LayerNorm layer_norm;

    readonly double _embedScale;
    readonly long _vocab;

    public LMDecoder(KosmosGConfig config) : base(nameof(LMDecoder))
    {
        var d = config.DecoderEmbedDim;
        _embedScale = config.EmbedScale;
        _vocab = config.VocabSize;
        embed_tokens = Embedding(config.VocabSize, d, padding_idx: config.PaddingIdx);
        embed_positions = new SinusoidalPositionalEmbedding(d, config.PaddingIdx);
        layers = new ModuleList<SubLnTransformerLayer>(Enumerable.Range(0, config.DecoderLayers)
            .Select(_ => new SubLnTransformerLayer(d, config.DecoderAttentionHeads, config.DecoderFfnEmbedDim, config.LayernormEps, crossAttention: false))
            .ToArray());
        layer_norm = LayerNorm(d, config.LayernormEps);
        RegisterComponents();
    }

    /// <summary>
    /// Input of layer 0: token embeddings whose image-mask rows are replaced (row-major order) by the connector
    /// output, times sqrt(D), plus sinusoidal positions.
    /// </summary>
    /// <param name="tokens">[B, T] int64.</param>
    /// <param name="imageMask">bool [B, T], true on image-embedding slots; null for text only.</param>
    /// <param name="imageFeatures">[M, D] with M = number of true mask entries.</param>
    public Tensor ForwardEmbedding(Tensor tokens, Tensor? imageMask = null, Tensor? imageFeatures = null)
    {
        ValidateTokens(tokens);
        var weight = embed_tokens.weight!;
        tokens = tokens.to(weight.device);
        var embedded = embed_tokens.call(tokens);
        if (imageMask is not null || imageFeatures is not null)
            embedded = InsertImageFeatures(embedded, tokens, imageMask, imageFeatures);
        return embedded * _embedScale + embed_positions.forward(tokens).to(embedded.dtype);
    }

    /// <summary>Final-LayerNorm hidden states of every position, [B, T, D] (what the AlignerNet consumes).</summary>
    public Tensor forward(Tensor tokens, Tensor? imageMask = null, Tensor? imageFeatures = null)
    {
        var x = ForwardEmbedding(tokens, imageMask, imageFeatures);
        foreach (var layer in layers) x = layer.call(x, null, true, null, null);
        return layer_norm.call(x);
    }

    /// <summary>Vocabulary logits through the tied output projection, [B, T, V] (not needed for generation).</summary>
    public Tensor Logits(Tensor hidden) => functional.linear(hidden, embed_tokens.weight!);

    void ValidateTokens(Tensor tokens)
    {
        if (tokens.dim() != 2 || tokens.dtype != ScalarType.Int64)
            throw new ArgumentException($"tokens must be an int64 [B, T] tensor; got {tokens.dtype} [{string.Join(", ", tokens.shape)}]", nameof(tokens));
        if (tokens.shape[1] == 0) throw new ArgumentException("tokens must hold at least one position", nameof(tokens));
        var min = tokens.min().item<long>();
        var max = tokens.max().item<long>();
        if (min < 0 || max >= _vocab)
            throw new ArgumentException($"token ids must lie in [0, {_vocab}) (vocab_size); got ids from {min} to {max}", nameof(tokens));
    }

    Tensor InsertImageFeatures(Tensor embedded, Tensor tokens, Tensor? imageMask, Tensor? imageFeatures)
    {
        if (imageMask is null || imageFeatures is null)
            throw new ArgumentException("image mask and image features must be given together");
        if (!imageMask.shape.SequenceEqual(tokens.shape))
            throw new ArgumentException($"image mask shape [{string.Join(", ", imageMask.shape)}] must equal the token shape [{string.Join(", ", tokens.shape)}]", nameof(imageMask));
        var mask = imageMask.to(ScalarType.Bool).to(embedded.device);
        var slots = mask.sum().item<long>();
        if (imageFeatures.dim() != 2 || imageFeatures.shape[0] != slots || imageFeatures.shape[1] != embedded.shape[2])
            throw new ArgumentException(
                $"image features must be [{slots}, {embedded.shape[2]}] (one row per image-mask slot); got [{string.Join(", ", imageFeatures.shape)}]",
                nameof(imageFeatures));
        return embedded.masked_scatter(mask.unsqueeze(-1).expand_as(embedded), imageFeatures.to(embedded.dtype).to(embedded.device));
    }
}
