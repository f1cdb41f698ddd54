using KosmosG.Pipelines;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Adapters.Lora;

/// <summary>One LoRA file of a request with its scale.</summary>
public sealed record ScaledLora(LoraFile File, double Scale);

/// <summary>
/// LoRAs applied to a model for one request without touching its weights: each patched Linear/Conv2d gets a forward
/// hook adding scale * alpha/r * up(down(x)) (diffusers' unfused LoRACompatibleLinear/Conv), removed again on Dispose,
/// so the next request computes exactly what it did before. Several LoRAs on one layer add up.
/// </summary>
public sealed class LoraScope : IDisposable
{
    readonly List<Action> _remove = [];
    readonly List<Tensor> _tensors = [];

    LoraScope() { }

    /// <summary>Warnings for the response (e.g. text-encoder weights a KOSMOS-G model has no use for).</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <param name="textEncoder">The CLIP text encoder, or null when the model has none (KOSMOS-G): its entries are then skipped with a warning.</param>
    /// <exception cref="GenerationRequestException">An entry fits no layer of the model (field "loras").</exception>
    public static LoraScope Attach(IReadOnlyList<ScaledLora> loras, nn.Module unet, nn.Module? textEncoder)
    {
        var scope = new LoraScope();
        try
        {
            var warnings = new List<string>();
            var parts = Resolve(loras, unet, textEncoder, warnings);
            foreach (var (layer, list) in parts)
            {
                var weight = ((Linear?)(layer as Linear))?.weight ?? ((Conv2d)layer).weight!;
                var converted = list.Select(p => (Down: scope.Keep(p.Down.to(weight.dtype, weight.device, copy: true)),
                    Up: scope.Keep(p.Up.to(weight.dtype, weight.device, copy: true)), p.Factor)).ToList();
                scope.Hook(layer, converted);
            }
            scope.Warnings = warnings;
            return scope;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>Merges the LoRAs into the weights for good (diffusers' fuse_lora): W += scale * alpha/r * up @ down.</summary>
    public static IReadOnlyList<string> Fuse(IReadOnlyList<ScaledLora> loras, nn.Module unet, nn.Module? textEncoder)
    {
        var warnings = new List<string>();
        using var _ = no_grad();
        foreach (var (layer, list) in Resolve(loras, unet, textEncoder, warnings))
        {
            var weight = ((Linear?)(layer as Linear))?.weight ?? ((Conv2d)layer).weight!;
            foreach (var (down, up, factor) in list)
            {
                using var scope = NewDisposeScope();
                var delta = (up.to(ScalarType.Float32).flatten(1) * factor).matmul(down.to(ScalarType.Float32).flatten(1)).reshape(weight.shape);
                weight.copy_(weight.to(ScalarType.Float32) + delta);
            }
        }
        return warnings;
    }

    /// <summary>Each patched layer with its (down, up, scale x alpha/r) parts, in request order.</summary>
    static Dictionary<nn.Module, List<(Tensor Down, Tensor Up, double Factor)>> Resolve(IReadOnlyList<ScaledLora> loras, nn.Module unet,
        nn.Module? textEncoder, List<string> warnings)
    {
        var unetLayers = new LoraLayers(unet);
        var textLayers = textEncoder is null ? null : new LoraLayers(textEncoder);
        var parts = new Dictionary<nn.Module, List<(Tensor, Tensor, double)>>(ReferenceEqualityComparer.Instance);
        foreach (var (file, scale) in loras)
        {
            var skipped = 0;
            foreach (var entry in file.Modules)
            {
                var layers = entry.Component == LoraComponent.Unet ? unetLayers : textLayers;
                if (layers is null)
                {
                    skipped++;
                    continue;
                }
                var layer = layers.Find(entry) ?? throw new GenerationRequestException("loras",
                    $"LoRA '{Path.GetFileName(file.Path)}': key '{entry.Key}' fits no layer of the model's {(entry.Component == LoraComponent.Unet ? "U-Net" : "text encoder")} (a LoRA for another architecture?)");
                (Tensor down, Tensor up) shaped;
                try { shaped = LoraLayers.Shaped(layer, entry, Path.GetFileName(file.Path)); }
                catch (InvalidDataException e) { throw new GenerationRequestException("loras", e.Message); }
                if (!parts.TryGetValue(layer, out var list)) parts[layer] = list = [];
                list.Add((shaped.down, shaped.up, scale * entry.Factor));
            }
            if (skipped > 0)
                warnings.Add($"LoRA '{Path.GetFileName(file.Path)}': {skipped} text-encoder layer(s) not applied: this model has no CLIP text encoder (KOSMOS-G replaces it)");
        }
        return parts;
    }

    Tensor Keep(Tensor t)
    {
        _tensors.Add(t);
        return t;
    }

    void Hook(nn.Module layer, List<(Tensor Down, Tensor Up, double Factor)> parts)
    {
        switch (layer)
        {
            case Linear linear:
                var linearHook = linear.register_forward_hook((_, input, output) =>
                {
                    foreach (var (down, up, factor) in parts)
                    {
                        using var delta = LoraDelta.Linear(input, down, up);
                        output.add_(delta, factor);
                    }
                    return output;
                });
                _remove.Add(linearHook.remove);
                break;
            case Conv2d conv:
                var convHook = conv.register_forward_hook((_, input, output) =>
                {
                    foreach (var (down, up, factor) in parts)
                    {
                        using var delta = LoraDelta.Conv(conv, input, down, up);
                        output.add_(delta, factor);
                    }
                    return output;
                });
                _remove.Add(convHook.remove);
                break;
        }
    }

    public void Dispose()
    {
        foreach (var remove in Enumerable.Reverse(_remove)) remove();
        _remove.Clear();
        foreach (var t in _tensors) t.Dispose();
        _tensors.Clear();
    }
}
