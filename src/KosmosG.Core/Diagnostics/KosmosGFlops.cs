using KosmosG.Models.Kosmos;

namespace KosmosG.Diagnostics;

/// <summary>
/// Estimated work of one KOSMOS-G condition encode: 2 x (elements of every weight matrix) x (tokens that pass through
/// it). Vision tower and connector see each image's patch tokens, the MLLM and AlignerNet's input projection the
/// prompt's T tokens, AlignerNet's query decoder its queries (its cross-attention keys/values the T tokens).
/// Embedding tables and the attention products (small at these lengths) are left out, so this slightly undercounts.
/// </summary>
public static class KosmosGFlops
{
    public static double EncodeEstimate(KosmosGModel model, long tokens, long images)
    {
        var config = model.Config;
        var patches = (long)config.Vision.ImageSize / config.Vision.PatchSize;
        var visionTokens = images * (patches * patches + 1);
        var queries = images * config.LatentQueryNum;
        double flops = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            if (p.dim() < 2 || IsTable(name)) continue;
            var rows = name switch
            {
                _ when name.StartsWith("img_model.", StringComparison.Ordinal) => visionTokens,
                _ when name.StartsWith("img_connector.x_attn.", StringComparison.Ordinal) => IsKeyOrValue(name) ? visionTokens + queries : queries,
                _ when name.StartsWith("img_connector.", StringComparison.Ordinal) => visionTokens,
                _ when name.StartsWith("aligner.encoder.", StringComparison.Ordinal) =>
                    name.Contains(".encoder_attn.", StringComparison.Ordinal) && IsKeyOrValue(name) ? tokens : config.Aligner.NumQueries,
                _ => tokens, // gpt_model.*, aligner.encoder_proj.*
            };
            flops += 2.0 * p.numel() * rows;
        }
        return flops;
    }

    static bool IsKeyOrValue(string name) => name.Contains(".k_proj.", StringComparison.Ordinal) || name.Contains(".v_proj.", StringComparison.Ordinal);

    static bool IsTable(string name) =>
        name == "gpt_model.decoder.embed_tokens.weight" || name.Contains("embed_positions", StringComparison.Ordinal)
        || name.EndsWith("positional_embedding", StringComparison.Ordinal) || name.EndsWith("_query", StringComparison.Ordinal)
        || name.EndsWith("class_embedding", StringComparison.Ordinal);
}
