using System.Text.RegularExpressions;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Models.Dino;

/// <summary>
/// The torch.hub DINO state dict (facebookresearch/dino vision_transformer.py names) seen under transformers' ViTModel
/// names: blocks.{i}.attn.qkv [3D, ...] becomes attention.attention.{query,key,value} (rows in that order), the rest
/// is a rename (the mapping of transformers' convert_dino_to_pytorch.py).
/// </summary>
public sealed partial class DinoHubStateDict(IStateDictSource hub) : IStateDictSource
{
    static readonly string[] QkvNames = ["query", "key", "value"];

    // model key -> (hub key, slice index of a fused qkv tensor or -1)
    readonly Dictionary<string, (string HubKey, int Part)> _map = BuildMap(hub.Keys);

    public string SourceName => hub.SourceName + " (torch.hub DINO names)";
    public IEnumerable<string> Keys => _map.Keys;

    /// <summary>True when the keys are the torch.hub ones (cls_token, blocks.*) rather than transformers' (embeddings.*, encoder.*).</summary>
    public static bool IsHubLayout(IStateDictSource source) => source.Keys.Any(k => k is "cls_token" or "pos_embed" || k.StartsWith("blocks.", StringComparison.Ordinal));

    public long[] ShapeOf(string key)
    {
        var (hubKey, part) = _map[key];
        var shape = hub.ShapeOf(hubKey);
        if (part < 0) return shape;
        if (shape[0] % 3 != 0) throw new InvalidDataException($"{hub.SourceName}: '{hubKey}' [{string.Join(",", shape)}] is not three stacked projections");
        return [shape[0] / 3, .. shape[1..]];
    }

    public void CopyTo(string key, Tensor destination)
    {
        var (hubKey, part) = _map[key];
        if (part < 0)
        {
            hub.CopyTo(hubKey, destination);
            return;
        }
        using var fused = empty(hub.ShapeOf(hubKey), destination.dtype, destination.device);
        hub.CopyTo(hubKey, fused);
        var rows = destination.shape[0];
        using var slice = fused.narrow(0, part * rows, rows);
        destination.copy_(slice);
    }

    static Dictionary<string, (string, int)> BuildMap(IEnumerable<string> hubKeys)
    {
        var map = new Dictionary<string, (string, int)>();
        foreach (var hubKey in hubKeys)
        {
            var qkv = QkvKey().Match(hubKey);
            if (qkv.Success)
            {
                for (var p = 0; p < 3; p++)
                    map[$"encoder.layer.{qkv.Groups[1].Value}.attention.attention.{QkvNames[p]}.{qkv.Groups[2].Value}"] = (hubKey, p);
                continue;
            }
            map[Rename(hubKey)] = (hubKey, -1);
        }
        return map;
    }

    static string Rename(string key)
    {
        switch (key)
        {
            case "cls_token": return "embeddings.cls_token";
            case "pos_embed": return "embeddings.position_embeddings";
        }
        var block = BlockKey().Match(key);
        if (!block.Success)
            return key.StartsWith("patch_embed.proj.", StringComparison.Ordinal) ? "embeddings.patch_embeddings.projection." + key["patch_embed.proj.".Length..]
                : key.StartsWith("norm.", StringComparison.Ordinal) ? "layernorm." + key["norm.".Length..]
                : key; // unknown: reported as unexpected by the loader
        var inner = block.Groups[2].Value switch
        {
            "norm1" => "layernorm_before",
            "norm2" => "layernorm_after",
            "attn.proj" => "attention.output.dense",
            "mlp.fc1" => "intermediate.dense",
            "mlp.fc2" => "output.dense",
            _ => null,
        };
        return inner is null ? key : $"encoder.layer.{block.Groups[1].Value}.{inner}.{block.Groups[3].Value}";
    }

    [GeneratedRegex(@"^blocks\.(\d+)\.attn\.qkv\.(weight|bias)$")]
    private static partial Regex QkvKey();

    [GeneratedRegex(@"^blocks\.(\d+)\.(norm1|norm2|attn\.proj|mlp\.fc1|mlp\.fc2)\.(weight|bias)$")]
    private static partial Regex BlockKey();
}
