namespace KosmosG.Training.Adapters;

/// <summary>Which U-Net layers a trained LoRA patches.</summary>
public static class LoraTargets
{
    /// <summary>diffusers' default target_modules: the attention projections of every transformer block (self- and cross-attention).</summary>
    public static bool IsAttention(string path) =>
        (path.Contains(".attn1.", StringComparison.Ordinal) || path.Contains(".attn2.", StringComparison.Ordinal))
        && (path.EndsWith(".to_q", StringComparison.Ordinal) || path.EndsWith(".to_k", StringComparison.Ordinal)
            || path.EndsWith(".to_v", StringComparison.Ordinal) || path.EndsWith(".to_out.0", StringComparison.Ordinal));

    /// <summary>The cross-attention key/value projections: they read only the prompt's condition, so a LoRA there changes
    /// what is drawn (colours, shapes), never where or how large.</summary>
    public static bool IsCrossAttentionKeyValue(string path) =>
        path.Contains(".attn2.", StringComparison.Ordinal) && (path.EndsWith(".to_k", StringComparison.Ordinal) || path.EndsWith(".to_v", StringComparison.Ordinal));

    /// <summary>kohya's LoCon convolution targets: the convolutions inside the down, mid and up blocks (resnets,
    /// samplers, transformer proj_in/out), not conv_in/conv_out.</summary>
    public static bool IsBlockConv(string path) =>
        path.StartsWith("down_blocks.", StringComparison.Ordinal) || path.StartsWith("mid_block.", StringComparison.Ordinal)
        || path.StartsWith("up_blocks.", StringComparison.Ordinal);
}
