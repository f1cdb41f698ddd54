using KosmosG.Runtime;
using KosmosG.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// diffusers ControlNetModel: a trainable copy of the U-Net's encoder (conv_in, time embedding, down blocks, mid block)
/// that also sees an embedded control image, with a 1x1 convolution per skip connection and one for the mid block that
/// turn its activations into residuals for the U-Net. Field names are the diffusers checkpoint keys.
/// </summary>
public sealed class ControlNetModel : nn.Module
{
    readonly Conv2d conv_in;
    readonly Timesteps time_proj;
    readonly TimestepEmbedding time_embedding;
    readonly ControlNetConditioningEmbedding controlnet_cond_embedding;
    readonly ModuleList<nn.Module> down_blocks;
    readonly ModuleList<Conv2d> controlnet_down_blocks;
    readonly UNetMidBlock2DCrossAttn mid_block;
    readonly Conv2d controlnet_mid_block;

    public ControlNetConfig Config { get; }

    public ControlNetModel(ControlNetConfig config) : base(nameof(ControlNetModel))
    {
        var unet = config.Unet;
        unet.Validate();
        Config = config;
        var c = unet.BlockOutChannels;
        conv_in = nn.Conv2d(unet.InChannels, c[0], 3, padding: 1);
        time_proj = new Timesteps(c[0], unet.FlipSinToCos, unet.FreqShift);
        time_embedding = new TimestepEmbedding(c[0], unet.TimeEmbedDim);
        controlnet_cond_embedding = new ControlNetConditioningEmbedding(c[0], config.ConditioningChannels, config.ConditioningEmbeddingOutChannels);
        down_blocks = nn.ModuleList(UNet2DConditionModel.DownBlocks(unet));

        // One 1x1 conv per skip connection, in the order the U-Net collects them: conv_in's output, then per block its
        // resnet outputs and its down-sampler output.
        var widths = new List<int> { c[0] };
        for (var i = 0; i < c.Length; i++)
        {
            widths.AddRange(Enumerable.Repeat(c[i], unet.LayersPerBlock[i]));
            if (i < c.Length - 1) widths.Add(c[i]);
        }
        controlnet_down_blocks = nn.ModuleList(widths.Select(w => nn.Conv2d(w, w, 1)).ToArray());
        mid_block = UNet2DConditionModel.MidBlock(unet);
        controlnet_mid_block = nn.Conv2d(c[^1], c[^1], 1);
        RegisterComponents();
    }

    /// <summary>Builds the ControlNet from a diffusers folder (config.json + safetensors) and strictly loads its weights.</summary>
    public static ControlNetModel Load(string configJsonPath, string weightsPath, Device? device = null, ScalarType? dtype = null) =>
        Build(ControlNetConfig.Load(configJsonPath), model => StateDictLoader.Load(model, weightsPath), device, dtype);

    /// <summary>Creates a model of <paramref name="config"/> in the requested dtype/device and fills it with <paramref name="load"/>.</summary>
    public static ControlNetModel Build(ControlNetConfig config, Action<ControlNetModel> load, Device? device = null, ScalarType? dtype = null)
    {
        var model = TorchDefaults.Build(dtype, () => new ControlNetModel(config));
        try
        {
            model.to(device ?? CPU, dtype ?? ScalarType.Float32);
            load(model);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// controlnet_cond_embedding of a control image [B, conditioning_channels, 8h, 8w] in [0, 1] (flipped first for nets
    /// trained on BGR). It depends on the image alone, so a pipeline computes it once per request, not at every step.
    /// </summary>
    public Tensor EmbedCondition(Tensor controlnetCond) =>
        controlnet_cond_embedding.call(Config.BgrChannelOrder ? controlnetCond.flip(1) : controlnetCond);

    /// <summary>diffusers' forward: the control image embedded, then <see cref="ForwardEmbedded"/>.</summary>
    /// <param name="controlnetCond">[B, conditioning_channels, 8h, 8w] control image in [0, 1].</param>
    public ControlNetResiduals Forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, Tensor controlnetCond,
        double conditioningScale, bool guessMode = false)
    {
        using var embedding = EmbedCondition(controlnetCond);
        return ForwardEmbedded(sample, timestep, encoderHiddenStates, embedding, conditioningScale, guessMode);
    }

    /// <param name="sample">[B, in_channels, h, w] latent U-Net input.</param>
    /// <param name="timestep">0-d, [1] or [B] timesteps.</param>
    /// <param name="encoderHiddenStates">[B, M, cross_attention_dim].</param>
    /// <param name="conditionEmbedding"><see cref="EmbedCondition"/> of the control image: [B or 1, block_out_channels[0], h, w].</param>
    /// <param name="conditioningScale">Multiplies every residual.</param>
    /// <param name="guessMode">Scale residual i by logspace(-1, 0, n+1)[i] * scale instead (the mid residual by the last).</param>
    public ControlNetResiduals ForwardEmbedded(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, Tensor conditionEmbedding,
        double conditioningScale, bool guessMode = false)
    {
        using var scope = NewDisposeScope();
        var batch = sample.shape[0];
        var timesteps = (timestep.dim() == 0 ? timestep.reshape(1) : timestep).to(sample.device).expand(batch);
        var emb = time_embedding.call(time_proj.call(timesteps).to(sample.dtype));

        var h = CpuConv.Call(conv_in, sample).add_(conditionEmbedding);
        var skips = new List<Tensor> { h };
        foreach (var block in down_blocks)
        {
            var states = ((IUNetDownBlock)block).Forward(h, emb, encoderHiddenStates);
            skips.AddRange(states);
            h = states[^1];
        }
        h = mid_block.call(h, emb, encoderHiddenStates);

        var down = skips.Select((s, i) => CpuConv.Call(controlnet_down_blocks[i], s)).ToList();
        var mid = CpuConv.Call(controlnet_mid_block, h);
        if (guessMode)
        {
            // diffusers: torch.logspace(-1, 0, n + 1) * conditioning_scale, in float32.
            var scales = (logspace(-1, 0, down.Count + 1, dtype: ScalarType.Float32, device: sample.device) * conditioningScale).to(sample.dtype);
            down = down.Select((d, i) => d * scales[i]).ToList();
            mid = mid * scales[^1];
        }
        else
        {
            down = down.Select(d => d * conditioningScale).ToList();
            mid = mid * conditioningScale;
        }
        foreach (var d in down) d.MoveToOuterDisposeScope();
        return new ControlNetResiduals(down, mid.MoveToOuterDisposeScope());
    }
}
