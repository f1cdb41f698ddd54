using KosmosG.Runtime;
using KosmosG.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Stable Diffusion's conditional U-Net (diffusers UNet2DConditionModel): predicts the noise in a latent at a
/// timestep, conditioned on encoder hidden states through cross-attention. Field names mirror the diffusers
/// state-dict keys, so a diffusers unet/diffusion_pytorch_model.safetensors loads by name.
/// </summary>
public sealed class UNet2DConditionModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly Timesteps time_proj;
    readonly TimestepEmbedding time_embedding;
    readonly ModuleList<nn.Module> down_blocks;
    readonly UNetMidBlock2DCrossAttn mid_block;
    readonly ModuleList<nn.Module> up_blocks;
    readonly GroupNorm conv_norm_out;
    readonly Conv2d conv_out;
    readonly int _upsamplers;

    public UNet2DConditionConfig Config { get; }

    public UNet2DConditionModel(UNet2DConditionConfig config) : base(nameof(UNet2DConditionModel))
    {
        config.Validate();
        Config = config;
        var c = config.BlockOutChannels;
        var n = c.Length;
        var temb = config.TimeEmbedDim;
        var (groups, eps, linear) = (config.NormNumGroups, config.NormEps, config.UseLinearProjection);

        conv_in = nn.Conv2d(config.InChannels, c[0], 3, padding: 1);
        time_proj = new Timesteps(c[0], config.FlipSinToCos, config.FreqShift);
        time_embedding = new TimestepEmbedding(c[0], temb);

        down_blocks = nn.ModuleList(DownBlocks(config));
        mid_block = MidBlock(config);

        // Up block i mirrors down block n-1-i: it ends at that block's width and takes the next-shallower width as its last skip.
        var up = new List<nn.Module>();
        for (var i = 0; i < n; i++)
        {
            var mirror = n - 1 - i;
            var (prevOutput, output, input) = (c[Math.Min(mirror + 1, n - 1)], c[mirror], c[Math.Max(mirror - 1, 0)]);
            var (layers, addUpsample) = (config.LayersPerBlock[mirror] + 1, i < n - 1);
            if (addUpsample) _upsamplers++;
            up.Add(config.UpBlockTypes[i] == "CrossAttnUpBlock2D"
                ? new CrossAttnUpBlock2D(input, prevOutput, output, temb, layers, groups, eps, addUpsample, config.AttentionHeads[mirror],
                    config.ReverseTransformerLayersPerBlock[i], config.CrossAttentionDim[mirror], linear)
                : new UpBlock2D(input, prevOutput, output, temb, layers, groups, eps, addUpsample));
        }
        up_blocks = nn.ModuleList(up.ToArray());

        conv_norm_out = GroupNorms.Create(groups, c[0], eps);
        conv_out = nn.Conv2d(c[0], config.OutChannels, 3, padding: 1);
        RegisterComponents();
        ConvWeightLayout.ChannelsLast(this);
    }

    /// <summary>The encoder stages of a U-Net of this config (a ControlNet copies them).</summary>
    internal static nn.Module[] DownBlocks(UNet2DConditionConfig config)
    {
        var (c, n, temb) = (config.BlockOutChannels, config.BlockOutChannels.Length, config.TimeEmbedDim);
        var down = new nn.Module[n];
        for (var i = 0; i < n; i++)
        {
            var (input, output, addDownsample) = (i == 0 ? c[0] : c[i - 1], c[i], i < n - 1);
            down[i] = config.DownBlockTypes[i] == "CrossAttnDownBlock2D"
                ? new CrossAttnDownBlock2D(input, output, temb, config.LayersPerBlock[i], config.NormNumGroups, config.NormEps, addDownsample,
                    config.DownsamplePadding, config.AttentionHeads[i], config.TransformerLayersPerBlock[i], config.CrossAttentionDim[i],
                    config.UseLinearProjection)
                : new DownBlock2D(input, output, temb, config.LayersPerBlock[i], config.NormNumGroups, config.NormEps, addDownsample,
                    config.DownsamplePadding);
        }
        return down;
    }

    internal static UNetMidBlock2DCrossAttn MidBlock(UNet2DConditionConfig config) =>
        new(config.BlockOutChannels[^1], config.TimeEmbedDim, config.NormNumGroups, config.NormEps, config.MidBlockScaleFactor,
            config.AttentionHeads[^1], config.TransformerLayersPerBlock[^1], config.CrossAttentionDim[^1], config.UseLinearProjection);

    /// <summary>Builds the U-Net from a diffusers config.json and strictly loads its safetensors weights.</summary>
    /// <param name="device">Where to place the model (default CPU).</param>
    /// <param name="dtype">Parameter dtype (default float32); weights are converted while loading.</param>
    public static UNet2DConditionModel Load(string configJsonPath, string weightsPath, Device? device = null, ScalarType? dtype = null)
    {
        var config = UNet2DConditionConfig.Load(configJsonPath);
        var model = TorchDefaults.Build(dtype, () => new UNet2DConditionModel(config));
        model.to(device ?? CPU, dtype ?? ScalarType.Float32);
        StateDictLoader.Load(model, weightsPath);
        model.eval();
        return model;
    }

    /// <param name="sample">[B, in_channels, H, W] noisy latents.</param>
    /// <param name="timestep">0-d, [1] or [B] timesteps, integer or floating point; broadcast to the batch.</param>
    /// <param name="encoderHiddenStates">[B, M, cross_attention_dim] conditioning.</param>
    /// <returns>[B, out_channels, H, W] in the sample's dtype.</returns>
    public override Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates) =>
        Forward(sample, timestep, encoderHiddenStates, null);

    /// <summary>The forward pass with ControlNet residuals (diffusers' down_block_additional_residuals and
    /// mid_block_additional_residual): residual i is added to skip connection i once the down path is done, the mid
    /// residual to the mid-block output.</summary>
    public Tensor Forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, ControlNetResiduals? residuals)
    {
        CheckInputs(sample, timestep, encoderHiddenStates);
        using var scope = NewDisposeScope();
        var batch = sample.shape[0];
        var timesteps = (timestep.dim() == 0 ? timestep.reshape(1) : timestep).to(sample.device).expand(batch);
        var emb = time_embedding.call(time_proj.call(timesteps).to(sample.dtype));

        // Channels-last (NHWC memory, NCHW shape) from the first convolution on: oneDNN's convolutions run 1.1-3.6x
        // faster on it here, every later op keeps the layout, and the transformers' NCHW <-> sequence moves are views.
        using var input = (Config.CenterInputSample ? sample * 2 - 1 : sample).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        var h = CpuConv.Call(conv_in, input);
        var skips = new List<Tensor> { h };
        foreach (var block in down_blocks)
        {
            var states = ((IUNetDownBlock)block).Forward(h, emb, encoderHiddenStates);
            skips.AddRange(states);
            h = states[^1];
        }
        if (residuals is not null)
        {
            if (residuals.Down.Count != skips.Count)
                throw new ArgumentException($"ControlNet gave {residuals.Down.Count} down residuals, the U-Net has {skips.Count} skip connections", nameof(residuals));
            for (var i = 0; i < skips.Count; i++) skips[i] = skips[i] + residuals.Down[i];
        }
        h = mid_block.call(h, emb, encoderHiddenStates);
        if (residuals is not null) h = Residual.Add(h, residuals.Mid);

        // When H or W is not divisible by the total up-sampling factor, each up-sampler resizes to its skip's exact size.
        var factor = 1L << _upsamplers;
        var exactUpsampleSize = sample.shape[2] % factor != 0 || sample.shape[3] % factor != 0;
        for (var i = 0; i < up_blocks.Count; i++)
        {
            var block = (IUNetUpBlock)up_blocks[i];
            var consumed = skips.GetRange(skips.Count - block.ResnetCount, block.ResnetCount);
            skips.RemoveRange(skips.Count - block.ResnetCount, block.ResnetCount);
            var size = exactUpsampleSize && i < up_blocks.Count - 1 ? skips[^1].shape[2..] : null;
            var next = block.Forward(h, consumed, emb, encoderHiddenStates, size);
            h.Dispose();
            consumed.ForEach(t => t.Dispose());
            h = next;
        }

        using (h)
        using (var normed = conv_norm_out.call(h))
            return CpuConv.Call(conv_out, normed.silu_()).MoveToOuterDisposeScope();
    }

    void CheckInputs(Tensor sample, Tensor timestep, Tensor encoderHiddenStates)
    {
        if (sample.dim() != 4 || sample.shape[1] != Config.InChannels)
            throw new ArgumentException($"sample must be [B, {Config.InChannels}, H, W], got [{string.Join(", ", sample.shape)}]", nameof(sample));
        var batch = sample.shape[0];
        if (timestep.dim() > 1 || (timestep.dim() == 1 && timestep.shape[0] != 1 && timestep.shape[0] != batch))
            throw new ArgumentException($"timestep must be 0-d, [1] or [{batch}], got [{string.Join(", ", timestep.shape)}]", nameof(timestep));
        if (timestep.is_complex() || timestep.dtype == ScalarType.Bool)
            throw new ArgumentException($"timestep must be an integer or real tensor, got {timestep.dtype}", nameof(timestep));
        var context = Config.CrossAttentionDim.Distinct().ToArray();
        if (encoderHiddenStates.dim() != 3 || encoderHiddenStates.shape[0] != batch || context.Length != 1 || encoderHiddenStates.shape[2] != context[0])
            throw new ArgumentException(
                $"encoderHiddenStates must be [{batch}, M, {string.Join("/", context)}], got [{string.Join(", ", encoderHiddenStates.shape)}]",
                nameof(encoderHiddenStates));
    }
}
