using System.Globalization;
using System.Text.Json;
using KosmosG.Adapters.Lora;
using KosmosG.Training.Optimization;
using KosmosG.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>
/// Trainable LoRA layers on a frozen U-Net: each target Linear/Conv2d gets a forward hook adding
/// alpha/r * up(down(x)) (the LoRA the service's loaders apply at scale 1). down starts as N(0, 1/r), up as zeros
/// (diffusers' LoRALinearLayer), so training starts from the plain model. Parameters are named by their diffusers/PEFT
/// keys (unet.&lt;path&gt;.lora_A.weight / lora_B.weight).
/// </summary>
public sealed class TrainableLora : IDisposable
{
    readonly List<(string Path, Parameter Down, Parameter Up)> _layers = [];
    readonly List<Action> _remove = [];

    /// <param name="crossKeyValue">false leaves the cross-attention to_k/to_v alone (a style that must keep the prompt's content).</param>
    public TrainableLora(nn.Module unet, int rank, double alpha, bool convs, Generator generator, bool crossKeyValue = true)
    {
        Rank = rank;
        Alpha = alpha;
        var factor = alpha / rank;
        foreach (var (path, module) in unet.named_modules())
        {
            switch (module)
            {
                case Linear linear when LoraTargets.IsAttention(path) && (crossKeyValue || !LoraTargets.IsCrossAttentionKeyValue(path)):
                    var (ld, lu) = Create(path, [rank, linear.in_features], [linear.out_features, rank], linear.weight!, generator);
                    var linearHook = linear.register_forward_hook((_, input, output) =>
                        output + LoraDelta.Linear(input, ld, lu) * factor);
                    _remove.Add(linearHook.remove);
                    break;
                case Conv2d conv when convs && LoraTargets.IsBlockConv(path):
                    var (cd, cu) = Create(path, [rank, conv.in_channels, conv.kernel_size[0], conv.kernel_size[1]], [conv.out_channels, rank, 1, 1], conv.weight!, generator);
                    var convHook = conv.register_forward_hook((_, input, output) =>
                        output + LoraDelta.Conv(conv, input, cd, cu) * factor);
                    _remove.Add(convHook.remove);
                    break;
            }
        }
        if (_layers.Count == 0) throw new ArgumentException("the U-Net has no layer a LoRA targets (attention projections to_q/to_k/to_v/to_out.0)");
    }

    public int Rank { get; }
    public double Alpha { get; }

    public IReadOnlyList<NamedParameter> Trainable =>
        _layers.SelectMany(l => new[] { new NamedParameter(DiffusersKey(l.Path, "lora_A"), l.Down), new NamedParameter(DiffusersKey(l.Path, "lora_B"), l.Up) }).ToList();

    static string DiffusersKey(string path, string part) => $"unet.{path}.{part}.weight";

    (Parameter Down, Parameter Up) Create(string path, long[] downShape, long[] upShape, Tensor like, Generator generator)
    {
        using var _ = no_grad();
        var down = new Parameter((randn(downShape, generator: generator) / Rank).to(like.dtype, like.device), requires_grad: true);
        var up = new Parameter(zeros(upShape, like.dtype, like.device), requires_grad: true);
        _layers.Add((path, down, up));
        return (down, up);
    }

    /// <summary>kohya-ss layout (what A1111/ComfyUI read): lora_unet_&lt;path with _&gt;.lora_down/.lora_up/.alpha.</summary>
    public void SaveKohya(string path, IReadOnlyDictionary<string, Tensor> masters, ScalarType dtype)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var (layer, _, _) in _layers)
            {
                var name = "lora_unet_" + layer.Replace('.', '_');
                tensors.Add(new(name + ".alpha", tensor((float)Alpha).to(dtype)));
                tensors.Add(new(name + ".lora_down.weight", masters[DiffusersKey(layer, "lora_A")].to(dtype)));
                tensors.Add(new(name + ".lora_up.weight", masters[DiffusersKey(layer, "lora_B")].to(dtype)));
            }
            SafeTensorsWriter.Save(path, tensors, new Dictionary<string, string>
            {
                ["format"] = "pt",
                ["ss_network_module"] = "networks.lora",
                ["ss_network_dim"] = Rank.ToString(CultureInfo.InvariantCulture),
                ["ss_network_alpha"] = Alpha.ToString("R", CultureInfo.InvariantCulture),
            });
        }
        finally { Dispose(tensors); }
    }

    /// <summary>diffusers/PEFT layout (what load_lora_weights reads): unet.&lt;path&gt;.lora_A/lora_B, alpha and rank in
    /// the lora_adapter_metadata header entry.</summary>
    public void SaveDiffusers(string path, IReadOnlyDictionary<string, Tensor> masters, ScalarType dtype)
    {
        var tensors = Trainable.Select(p => new KeyValuePair<string, Tensor>(p.Name, masters[p.Name].to(dtype))).ToList();
        try
        {
            var peft = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["unet.r"] = Rank,
                ["unet.lora_alpha"] = Alpha,
                ["unet.target_modules"] = _layers.Select(l => l.Path).ToArray(),
            });
            SafeTensorsWriter.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["lora_adapter_metadata"] = peft });
        }
        finally { Dispose(tensors); }
    }

    static void Dispose(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        foreach (var (_, t) in tensors) t.Dispose();
    }

    public void Dispose()
    {
        foreach (var remove in _remove) remove();
        foreach (var (_, down, up) in _layers)
        {
            down.Dispose();
            up.Dispose();
        }
    }
}
