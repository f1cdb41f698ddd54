using System.Collections;
using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Whether a module has forward hooks (a LoRA's, a trainer's, a profiler's or a work counter's). Faster paths that
/// compute a layer without <c>Module.call</c> skip its hooks, so they take a hooked layer through <c>call</c>.
/// TorchSharp keeps the hooks in private dictionaries of <c>HookableModule</c>; ForwardHooksTests fails if a TorchSharp
/// update moves them.
/// </summary>
internal static class ForwardHooks
{
    static readonly FieldInfo[] Fields = HookableBase() is { } hookable
        ? [.. new[] { "pre_hooks", "post_hooks", "module_pre_hooks", "module_post_hooks" }
            .Select(name => hookable.GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)).OfType<FieldInfo>()]
        : [];

    static Type? HookableBase()
    {
        for (var type = typeof(nn.Module<Tensor, Tensor>); type is not null; type = type.BaseType)
            if (type.Name.StartsWith("HookableModule", StringComparison.Ordinal)) return type;
        return null;
    }

    /// <summary>True when the module has hooks, and also when the hooks cannot be read (the safe answer).</summary>
    public static bool Any(nn.Module<Tensor, Tensor> module) =>
        Fields.Length == 0 || Fields.Any(f => f.GetValue(module) is ICollection { Count: > 0 });
}
