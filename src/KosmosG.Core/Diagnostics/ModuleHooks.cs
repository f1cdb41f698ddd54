using System.Reflection;
using static TorchSharp.torch;

namespace KosmosG.Diagnostics;

/// <summary>
/// Attaches type-agnostic pre/post forward hooks to every module of a tree that has them (TorchSharp's hookable
/// modules, whatever their forward signature). Hooks fire only when a module is invoked through <c>call</c>, which
/// is how the diffusion blocks invoke their children. Disposing removes the hooks.
/// </summary>
public sealed class ModuleHooks : IDisposable
{
    readonly List<Action> _removers = [];

    public ModuleHooks(nn.Module root, Action<nn.Module> before, Action<nn.Module> after)
    {
        foreach (var module in root.modules().Prepend(root))
        {
            if (Register(module, "register_forward_pre_hook", before) is { } pre) _removers.Add(pre);
            if (Register(module, "register_forward_hook", after) is { } post) _removers.Add(post);
        }
    }

    static Action? Register(nn.Module module, string name, Action<nn.Module> hook)
    {
        var method = module.GetType().GetMethod(name, BindingFlags.Public | BindingFlags.Instance, [typeof(Action<nn.Module>)]);
        if (method?.Invoke(module, [hook]) is not { } remover) return null;
        var remove = remover.GetType().GetMethod("remove", Type.EmptyTypes)!;
        return () => remove.Invoke(remover, null);
    }

    public void Dispose()
    {
        foreach (var remove in _removers) remove();
        _removers.Clear();
    }
}
