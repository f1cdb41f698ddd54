using System.Text.Json;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Adapters.Lora;

/// <summary>
/// A LoRA safetensors file read into memory, in any of the layouts in use: kohya-ss (lora_unet_* / lora_te_*,
/// .lora_down/.lora_up/.alpha, LoCon convs), diffusers (unet.&lt;path&gt;.lora.down/up, text_encoder.&lt;path&gt;.lora_linear_layer,
/// the older attention-processor names processor.to_q_lora ...) and PEFT (lora_A/lora_B, alphas from the
/// lora_adapter_metadata entry of the header, else alpha = r).
/// </summary>
public sealed class LoraFile : IDisposable
{
    static readonly (string Suffix, string Part)[] DotSuffixes =
    [
        (".lora.down.weight", "down"), (".lora.up.weight", "up"),
        (".lora_linear_layer.down.weight", "down"), (".lora_linear_layer.up.weight", "up"),
        (".lora_A.weight", "down"), (".lora_B.weight", "up"), (".lora_A.default.weight", "down"), (".lora_B.default.weight", "up"),
        (".alpha", "alpha"),
    ];

    static readonly Dictionary<string, (string Unet, string TextEncoder)> ProcessorNames = new()
    {
        ["to_q_lora"] = ("to_q", "q_proj"), ["to_k_lora"] = ("to_k", "k_proj"), ["to_v_lora"] = ("to_v", "v_proj"), ["to_out_lora"] = ("to_out.0", "out_proj"),
    };

    LoraFile(string path, IReadOnlyList<LoraModule> modules)
    {
        Path = path;
        Modules = modules;
    }

    public string Path { get; }
    public IReadOnlyList<LoraModule> Modules { get; }

    public static LoraFile Read(string path)
    {
        if (WeightsFormat.Detect(path) != WeightsFileKind.SafeTensors)
            throw new InvalidDataException($"LoRA '{path}' is not a safetensors file (LoRAs are read from .safetensors only)");
        using var file = SafeTensorsFile.Open(path);
        var entries = new Dictionary<(LoraComponent, string, bool), Dictionary<string, (string Key, Tensor Value)>>();
        try
        {
            foreach (var key in file.Tensors.Keys.Order(StringComparer.Ordinal))
            {
                var (component, module, underscored, part) = Parse(key, path);
                if (!entries.TryGetValue((component, module, underscored), out var parts)) entries[(component, module, underscored)] = parts = [];
                // Cached across requests: outside any caller's dispose scope.
                parts[part] = (key, file.Read(key).DetachFromDisposeScope());
            }
            var alphas = PeftAlphas.FromMetadata(file.Metadata, path);
            var modules = new List<LoraModule>();
            foreach (var ((component, name, underscored), parts) in entries)
            {
                var first = parts.Values.First().Key;
                if (!parts.TryGetValue("down", out var down) || !parts.TryGetValue("up", out var up))
                    throw new InvalidDataException($"LoRA '{path}': '{first}' has no matching {(parts.ContainsKey("down") ? "up" : "down")} weight");
                var rank = down.Value.shape[0];
                if (up.Value.dim() < 2 || up.Value.shape[1] != rank)
                    throw new InvalidDataException($"LoRA '{path}': '{up.Key}' has shape [{string.Join(", ", up.Value.shape)}], which does not fit rank {rank} of '{down.Key}'");
                var factor = parts.TryGetValue("alpha", out var alpha)
                    ? alpha.Value.to(ScalarType.Float64).item<double>() / rank
                    : alphas?.Factor(component, name, rank) ?? 1.0;
                alpha.Value?.Dispose();
                modules.Add(new LoraModule(component, name, underscored, down.Value, up.Value, factor, down.Key));
            }
            return new LoraFile(path, modules);
        }
        catch
        {
            foreach (var parts in entries.Values) foreach (var (_, t) in parts.Values) t.Dispose();
            throw;
        }
    }

    static (LoraComponent, string Module, bool Underscored, string Part) Parse(string key, string path)
    {
        foreach (var (prefix, component) in new[] { ("lora_unet_", LoraComponent.Unet), ("lora_te_", LoraComponent.TextEncoder) })
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var dot = key.IndexOf('.');
            var part = dot < 0 ? "" : key[(dot + 1)..] switch { "lora_down.weight" => "down", "lora_up.weight" => "up", "alpha" => "alpha", _ => "" };
            if (part.Length == 0) throw Unsupported(key, path);
            return (component, key[prefix.Length..dot], true, part);
        }

        var (comp, rest) = key.StartsWith("unet.", StringComparison.Ordinal) ? (LoraComponent.Unet, key[5..])
            : key.StartsWith("text_encoder.", StringComparison.Ordinal) ? (LoraComponent.TextEncoder, key[13..])
            : (LoraComponent.Unet, key); // attention-processor files of older diffusers have no prefix
        foreach (var (suffix, part) in DotSuffixes)
        {
            if (!rest.EndsWith(suffix, StringComparison.Ordinal)) continue;
            return (comp, ProcessorModule(comp, rest[..^suffix.Length]), false, part);
        }
        foreach (var (suffix, part) in new[] { (".down.weight", "down"), (".up.weight", "up") })
            if (rest.EndsWith(suffix, StringComparison.Ordinal) && ProcessorModule(comp, rest[..^suffix.Length]) is var m && m != rest[..^suffix.Length])
                return (comp, m, false, part);
        throw Unsupported(key, path);
    }

    /// <summary>Older diffusers names: &lt;attn&gt;.processor.to_q_lora (U-Net) and &lt;self_attn&gt;.to_q_lora (text encoder) to layer paths.</summary>
    static string ProcessorModule(LoraComponent component, string module)
    {
        var dot = module.LastIndexOf('.');
        if (dot < 0 || !ProcessorNames.TryGetValue(module[(dot + 1)..], out var names)) return module;
        var owner = module[..dot];
        if (component == LoraComponent.Unet && owner.EndsWith(".processor", StringComparison.Ordinal)) owner = owner[..^".processor".Length];
        return $"{owner}.{(component == LoraComponent.Unet ? names.Unet : names.TextEncoder)}";
    }

    static InvalidDataException Unsupported(string key, string path) =>
        new($"LoRA '{path}': key '{key}' is not a LoRA tensor this loader knows (kohya lora_down/lora_up/alpha, diffusers lora.down/up, PEFT lora_A/lora_B; LoHa, LoKr and DoRA are not supported)");

    public void Dispose()
    {
        foreach (var m in Modules)
        {
            m.Down.Dispose();
            m.Up.Dispose();
        }
    }

    /// <summary>PEFT's LoraConfig per model part as newer diffusers stores it in the header (lora_adapter_metadata).</summary>
    sealed class PeftAlphas(Dictionary<string, JsonElement> config)
    {
        public static PeftAlphas? FromMetadata(IReadOnlyDictionary<string, string> metadata, string path)
        {
            if (!metadata.TryGetValue("lora_adapter_metadata", out var json)) return null;
            try { return new PeftAlphas(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json) ?? []); }
            catch (JsonException e) { throw new InvalidDataException($"LoRA '{path}': lora_adapter_metadata is not valid JSON ({e.Message})"); }
        }

        public double? Factor(LoraComponent component, string module, long rank)
        {
            var part = component == LoraComponent.Unet ? "unet" : "text_encoder";
            double? alpha = Pattern($"{part}.alpha_pattern", module) ?? (config.TryGetValue($"{part}.lora_alpha", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetDouble() : null);
            if (alpha is null) return null;
            var rsLora = config.TryGetValue($"{part}.use_rslora", out var rs) && rs.ValueKind == JsonValueKind.True;
            return alpha.Value / (rsLora ? Math.Sqrt(rank) : rank);
        }

        /// <summary>PEFT matches pattern keys against the end of the module path.</summary>
        double? Pattern(string field, string module)
        {
            if (!config.TryGetValue(field, out var patterns) || patterns.ValueKind != JsonValueKind.Object) return null;
            foreach (var p in patterns.EnumerateObject())
                if ((module == p.Name || module.EndsWith("." + p.Name, StringComparison.Ordinal)) && p.Value.ValueKind == JsonValueKind.Number)
                    return p.Value.GetDouble();
            return null;
        }
    }
}
