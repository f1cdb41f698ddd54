namespace KosmosG.Models.Diffusion;

/// <summary>
/// A diffusers ControlNetModel config.json: the encoder half of a U-Net config (block types, widths, layers, heads,
/// cross-attention width) plus the conditioning embedding's widths and the control image's channel count and order.
/// </summary>
public sealed record ControlNetConfig
{
    /// <summary>The U-Net whose encoder the ControlNet copies; its up-block types mirror the down blocks.</summary>
    public required UNet2DConditionConfig Unet { get; init; }
    public required int[] ConditioningEmbeddingOutChannels { get; init; }
    public int ConditioningChannels { get; init; } = 3;
    /// <summary>controlnet_conditioning_channel_order "bgr": the control image's channels are flipped first.</summary>
    public bool BgrChannelOrder { get; init; }

    public static ControlNetConfig Load(string configJsonPath) => From(DiffusersConfigReader.Load(configJsonPath));

    static ControlNetConfig From(DiffusersConfigReader r)
    {
        r.RequireDefault("global_pool_conditions", false);
        var down = r.StringList("down_block_types");
        var order = r.String("controlnet_conditioning_channel_order", "rgb");
        if (order is not ("rgb" or "bgr")) throw r.Error("controlnet_conditioning_channel_order", $"= \"{order}\" is not rgb or bgr");
        var config = new ControlNetConfig
        {
            Unet = UNet2DConditionConfig.From(r, MirrorUpBlocks(down)),
            ConditioningEmbeddingOutChannels = r.IntList("conditioning_embedding_out_channels"),
            ConditioningChannels = r.Int("conditioning_channels", 3),
            BgrChannelOrder = order == "bgr",
        };
        return config;
    }

    /// <summary>The config of a ControlNet for <paramref name="unet"/> whose conditioning embedding has the given widths
    /// (how a single-file ControlNet, which stores no config, is described).</summary>
    public static ControlNetConfig ForUnet(UNet2DConditionConfig unet, int[] conditioningEmbeddingOutChannels, int conditioningChannels = 3) =>
        new() { Unet = unet, ConditioningEmbeddingOutChannels = conditioningEmbeddingOutChannels, ConditioningChannels = conditioningChannels };

    static string[] MirrorUpBlocks(string[] down) =>
        down.Reverse().Select(t => t == "CrossAttnDownBlock2D" ? "CrossAttnUpBlock2D" : "UpBlock2D").ToArray();

    /// <summary>Refuses a ControlNet whose residuals would not fit <paramref name="unet"/>'s skip connections, naming the mismatch.</summary>
    public void CheckFits(UNet2DConditionConfig unet, string source)
    {
        void Same<T>(string field, IEnumerable<T> mine, IEnumerable<T> theirs)
        {
            if (!mine.SequenceEqual(theirs))
                throw new InvalidDataException(
                    $"ControlNet '{source}' does not fit the model's U-Net: {field} is [{string.Join(", ", mine)}], the U-Net has [{string.Join(", ", theirs)}]");
        }
        Same("in_channels", [Unet.InChannels], [unet.InChannels]);
        Same("block_out_channels", Unet.BlockOutChannels, unet.BlockOutChannels);
        Same("layers_per_block", Unet.LayersPerBlock, unet.LayersPerBlock);
        Same("down_block_types", Unet.DownBlockTypes, unet.DownBlockTypes);
        Same("cross_attention_dim", Unet.CrossAttentionDim, unet.CrossAttentionDim);
    }
}
