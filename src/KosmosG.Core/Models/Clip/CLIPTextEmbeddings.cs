using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>Token embedding plus learned absolute position embedding.</summary>
public sealed class CLIPTextEmbeddings : nn.Module<Tensor, Tensor>
{
    readonly Embedding token_embedding;
    readonly Embedding position_embedding;

    public CLIPTextEmbeddings(CLIPTextConfig config) : base(nameof(CLIPTextEmbeddings))
    {
        token_embedding = nn.Embedding(config.VocabSize, config.HiddenSize);
        position_embedding = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="inputIds">int64 [B, T], T at most max_position_embeddings.</param>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        // Positions 0..T-1 are computed, not stored: transformers keeps them as a buffer that only older saves contain.
        using var positions = arange(inputIds.shape[1], ScalarType.Int64, inputIds.device).unsqueeze(0);
        return (token_embedding.forward(inputIds) + position_embedding.forward(positions)).MoveToOuterDisposeScope();
    }
}
