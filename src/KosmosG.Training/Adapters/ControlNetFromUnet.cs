using System.Text.Json.Nodes;
using KosmosG.Models.Diffusion;
using KosmosG.Training.StandIn;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>
/// diffusers' ControlNetModel.from_unet: the U-Net's encoder weights (conv_in, time embedding, down blocks, mid block)
/// copied, the zero convolutions (controlnet_down_blocks, controlnet_mid_block, the conditioning embedding's conv_out)
/// zeroed so the new net adds nothing until it learns; and the diffusers ControlNet folder it is saved as.
/// </summary>
public static class ControlNetFromUnet
{
    public const string WeightsFile = "diffusion_pytorch_model.safetensors";

    /// <summary>diffusers' default conditioning embedding widths, one per halving of the image to the latent size
    /// (SD's VAE factor 8: 16, 32, 96, 256).</summary>
    public static int[] DefaultEmbedding(int vaeFactor) => [.. new[] { 16, 32, 96, 256 }.Take(1 + (int)Math.Log2(vaeFactor))];

    public static ControlNetModel Create(UNet2DConditionModel unet, int[] embeddingChannels)
    {
        var controlNet = new ControlNetModel(ControlNetConfig.ForUnet(unet.Config, embeddingChannels));
        var source = unet.state_dict();
        using var _ = no_grad();
        foreach (var (name, tensor) in controlNet.state_dict())
        {
            if (name.StartsWith("controlnet_down_blocks.", StringComparison.Ordinal) || name.StartsWith("controlnet_mid_block.", StringComparison.Ordinal)
                || name.StartsWith("controlnet_cond_embedding.conv_out.", StringComparison.Ordinal))
                tensor.zero_();
            else if (source.TryGetValue(name, out var weights)) tensor.copy_(weights);
        }
        return controlNet;
    }

    /// <summary>config.json: the U-Net's config without its decoder fields, plus the conditioning settings.</summary>
    public static JsonObject Config(string unetConfigPath, ControlNetConfig config)
    {
        var json = StandInFolder.ReadConfig(unetConfigPath);
        foreach (var key in new[] { "up_block_types", "out_channels", "center_input_sample", "sample_size" }) json.Remove(key);
        json["_class_name"] = "ControlNetModel";
        json["conditioning_embedding_out_channels"] = new JsonArray([.. config.ConditioningEmbeddingOutChannels.Select(c => (JsonNode)c)]);
        json["conditioning_channels"] = config.ConditioningChannels;
        json["controlnet_conditioning_channel_order"] = config.BgrChannelOrder ? "bgr" : "rgb";
        json["global_pool_conditions"] = false;
        return json;
    }

    /// <summary>Writes the diffusers folder (config.json, diffusion_pytorch_model.safetensors) with the weights in <paramref name="dtype"/>.</summary>
    public static void Save(string folder, JsonObject config, ControlNetModel controlNet, IReadOnlyDictionary<string, Tensor> masters, ScalarType dtype)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        var tensors = controlNet.state_dict().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, (masters.GetValueOrDefault(kv.Key) ?? kv.Value).to(dtype))).ToList();
        try { SafeTensorsWriter.Save(Path.Combine(folder, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" }); }
        finally { foreach (var (_, t) in tensors) t.Dispose(); }
    }
}
