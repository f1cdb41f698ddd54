namespace KosmosG.Models.Clip;

/// <summary>The sizes the text and vision transformers of CLIP share (transformers' field names; defaults set by each side).</summary>
public abstract record CLIPEncoderConfig
{
    public int HiddenSize { get; init; }
    public int IntermediateSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    /// <summary>"quick_gelu" (OpenAI CLIP, SD 1.x) or "gelu" (OpenCLIP, SD 2.x).</summary>
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Throws ArgumentException for a configuration the encoder cannot be built from.</summary>
    public virtual void Validate()
    {
        if (HiddenSize <= 0 || NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        if (HiddenAct is not ("quick_gelu" or "gelu"))
            throw new ArgumentException($"hidden_act '{HiddenAct}' is not supported (quick_gelu or gelu)");
    }
}
