using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// diffusers ResnetBlock2D ("default" time-embedding mode, SiLU): GroupNorm, SiLU, conv3x3, + projected time
/// embedding, GroupNorm, SiLU, conv3x3, plus the (1x1-projected when widths differ) input, divided by
/// outputScaleFactor. Without time-embedding channels (the VAE) there is no time_emb_proj.
/// </summary>
public sealed class ResnetBlock2D : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly GroupNorm norm1;
    readonly Conv2d conv1;
    readonly Linear? time_emb_proj;
    readonly GroupNorm norm2;
    readonly Conv2d conv2;
    readonly Conv2d? conv_shortcut;
    readonly double _outputScaleFactor;

    public ResnetBlock2D(int inChannels, int outChannels, int? tembChannels, int groups, double eps, double outputScaleFactor = 1)
        : base(nameof(ResnetBlock2D))
    {
        norm1 = GroupNorms.Create(groups, inChannels, eps);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        if (tembChannels is { } t) time_emb_proj = nn.Linear(t, outChannels);
        norm2 = GroupNorms.Create(groups, outChannels, eps);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) conv_shortcut = nn.Conv2d(inChannels, outChannels, 1);
        _outputScaleFactor = outputScaleFactor;
        RegisterComponents();
    }

    /// <param name="temb">[B, tembChannels] time embedding, or null for blocks built without one.</param>
    public override Tensor forward(Tensor input, Tensor? temb)
    {
        Tensor h;
        using (var n1 = norm1.call(input)) h = CpuConv.Call(conv1, n1.silu_());
        if (time_emb_proj is not null)
        {
            if (temb is null) throw new ArgumentNullException(nameof(temb), "this ResnetBlock2D needs a time embedding");
            using var act = nn.functional.silu(temb);
            using var t = time_emb_proj.call(act);
            using var perChannel = t.view(t.shape[0], t.shape[1], 1, 1);
            h = Residual.Add(h, perChannel);
        }
        using (var n2 = norm2.call(h))
        {
            h.Dispose();
            h = CpuConv.Call(conv2, n2.silu_());
        }
        if (conv_shortcut is not null)
        {
            using var shortcut = CpuConv.Call(conv_shortcut, input);
            h = Residual.Add(h, shortcut);
        }
        else h = Residual.Add(h, input);
        if (_outputScaleFactor != 1) h = Residual.Div(h, _outputScaleFactor);
        return h;
    }
}
