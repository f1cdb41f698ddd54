using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Adapters.Lora;

/// <summary>
/// The layers of a model a LoRA can patch (Linear and Conv2d), by their module path and by kohya's form of it
/// ('.' replaced with '_'), and the check that a LoRA entry fits its layer.
/// </summary>
internal sealed class LoraLayers
{
    readonly Dictionary<string, nn.Module> _dotted = new(StringComparer.Ordinal);
    readonly Dictionary<string, nn.Module> _underscored = new(StringComparer.Ordinal);

    public LoraLayers(nn.Module model)
    {
        foreach (var (name, module) in model.named_modules())
        {
            if (module is not (Linear or Conv2d)) continue;
            _dotted[name] = module;
            _underscored.TryAdd(name.Replace('.', '_'), module);
        }
    }

    public nn.Module? Find(LoraModule entry) =>
        (entry.Underscored ? _underscored : _dotted).TryGetValue(entry.Name, out var module) ? module : null;

    /// <summary>down/up shaped for the layer ([r, in] / [out, r] for Linear, 4-D for Conv2d), or an error naming the key.</summary>
    public static (Tensor Down, Tensor Up) Shaped(nn.Module layer, LoraModule entry, string file)
    {
        var (down, up) = (entry.Down, entry.Up);
        switch (layer)
        {
            case Linear linear:
                if (down.dim() == 4 && down.shape[2] * down.shape[3] == 1) down = down.flatten(1);
                if (up.dim() == 4 && up.shape[2] * up.shape[3] == 1) up = up.flatten(1);
                if (down.dim() == 2 && up.dim() == 2 && down.shape[1] == linear.in_features && up.shape[0] == linear.out_features) return (down, up);
                break;
            case Conv2d conv:
                var kernel = conv.kernel_size;
                if (down.dim() == 2 && kernel.All(k => k == 1)) down = down.view(down.shape[0], down.shape[1], 1, 1);
                if (up.dim() == 2) up = up.view(up.shape[0], up.shape[1], 1, 1);
                if (down.dim() == 4 && down.shape[1] == conv.in_channels && down.shape[2] == kernel[0] && down.shape[3] == kernel[1]
                    && up.dim() == 4 && up.shape[0] == conv.out_channels && up.shape[2] * up.shape[3] == 1)
                    return (down, up);
                break;
        }
        throw new InvalidDataException(
            $"LoRA '{file}': '{entry.Key}' (down [{string.Join(", ", entry.Down.shape)}], up [{string.Join(", ", entry.Up.shape)}]) does not fit layer '{entry.Name}'");
    }
}
