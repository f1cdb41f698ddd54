using System.Collections;
using System.Reflection;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Runs a module's forward hooks (a LoRA's, a trainer's, a profiler's, a work counter's) around a computation that
/// stands in for its <c>forward</c>, in the order <c>Module.call</c> runs them, so that a faster path through a layer
/// keeps every hook. TorchSharp keeps the hooks in private dictionaries of <c>HookableModule</c>; ForwardHooksTests fail
/// if a TorchSharp update moves them.
/// </summary>
internal static class ForwardHooks
{
    static readonly Type Hookable = HookableBase();
    static readonly FieldInfo ModulePre = Field("module_pre_hooks"), Pre = Field("pre_hooks"), Post = Field("post_hooks"), ModulePost = Field("module_post_hooks");

    static Type HookableBase()
    {
        for (var type = typeof(nn.Module<Tensor, Tensor>); type is not null; type = type.BaseType)
            if (type.Name.StartsWith("HookableModule", StringComparison.Ordinal)) return type;
        throw new InvalidOperationException("TorchSharp's nn.Module<Tensor, Tensor> no longer derives from HookableModule");
    }

    static FieldInfo Field(string name) => Hookable.GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException($"TorchSharp's HookableModule has no field {name} any more");

    static ICollection Hooks(FieldInfo field, nn.Module module) => ((IDictionary)field.GetValue(module)!).Values;

    public static bool Any(nn.Module<Tensor, Tensor> module) =>
        Hooks(ModulePre, module).Count + Hooks(Pre, module).Count + Hooks(Post, module).Count + Hooks(ModulePost, module).Count > 0;

    /// <summary>As <c>module.call(input)</c> with <paramref name="forward"/> in place of <c>module.forward</c>.</summary>
    public static Tensor Call(nn.Module<Tensor, Tensor> module, Tensor input, Func<Tensor, Tensor> forward)
    {
        if (!Any(module)) return forward(input);
        foreach (Delegate hook in Hooks(ModulePre, module)) hook.DynamicInvoke(module);
        foreach (Delegate hook in Hooks(Pre, module))
            if (hook.DynamicInvoke(module, input) is Tensor modified) input = modified;
        var output = forward(input);
        foreach (Delegate hook in Hooks(Post, module))
            if (hook.DynamicInvoke(module, input, output) is Tensor modified) output = modified;
        foreach (Delegate hook in Hooks(ModulePost, module)) hook.DynamicInvoke(module);
        return output;
    }
}
