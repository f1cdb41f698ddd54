using KosmosG.Models.Diffusion;

namespace KosmosG.Diagnostics;

/// <summary>
/// Multiply-accumulates of one UNet2DConditionModel forward per sample, counted from the config: convolutions,
/// linear layers and the two attention products (norms and activations are negligible and left out).
/// Used to report achieved FLOP/s against the machine (FLOPs = 2 x MACs).
/// </summary>
public static class UNetFlops
{
    public static double MacsPerSample(UNet2DConditionConfig config, int latentHeight, int latentWidth, int contextLength = 77)
    {
        var ch = config.BlockOutChannels;
        var timeDim = config.TimeEmbedDim;
        long h = latentHeight, w = latentWidth;
        double macs = Conv(config.InChannels, ch[0], 3, h, w) + (double)ch[0] * timeDim + (double)timeDim * timeDim;

        var skips = new List<int> { ch[0] };
        var channels = ch[0];
        for (var i = 0; i < ch.Length; i++)
        {
            var cross = config.DownBlockTypes[i].StartsWith("CrossAttn", StringComparison.Ordinal);
            for (var j = 0; j < config.LayersPerBlock[i]; j++)
            {
                macs += Resnet(channels, ch[i], h, w, timeDim);
                channels = ch[i];
                if (cross) macs += Transformer(channels, h * w, config.CrossAttentionDim[i], config.TransformerLayersPerBlock[i], contextLength);
                skips.Add(channels);
            }
            if (i < ch.Length - 1)
            {
                h = (h + 1) / 2;
                w = (w + 1) / 2;
                macs += Conv(channels, channels, 3, h, w);
                skips.Add(channels);
            }
        }

        var last = ch.Length - 1;
        macs += Resnet(channels, channels, h, w, timeDim)
              + Transformer(channels, h * w, config.CrossAttentionDim[last], config.TransformerLayersPerBlock[last], contextLength)
              + Resnet(channels, channels, h, w, timeDim);

        for (var i = 0; i < ch.Length; i++)
        {
            var level = ch.Length - 1 - i;
            var outChannels = ch[level];
            var cross = config.UpBlockTypes[i].StartsWith("CrossAttn", StringComparison.Ordinal);
            for (var j = 0; j <= config.LayersPerBlock[level]; j++)
            {
                var skip = skips[^1];
                skips.RemoveAt(skips.Count - 1);
                macs += Resnet(channels + skip, outChannels, h, w, timeDim);
                channels = outChannels;
                if (cross) macs += Transformer(channels, h * w, config.CrossAttentionDim[level], config.ReverseTransformerLayersPerBlock[i], contextLength);
            }
            if (i < ch.Length - 1)
            {
                h *= 2;
                w *= 2;
                macs += Conv(channels, channels, 3, h, w);
            }
        }
        return macs + Conv(channels, config.OutChannels, 3, h, w);
    }

    static double Conv(long cin, long cout, int k, long h, long w) => (double)cin * cout * k * k * h * w;

    static double Resnet(long cin, long cout, long h, long w, long timeDim) =>
        Conv(cin, cout, 3, h, w) + Conv(cout, cout, 3, h, w) + (double)timeDim * cout + (cin != cout ? Conv(cin, cout, 1, h, w) : 0);

    static double Transformer(long c, long tokens, int crossAttentionDim, int layers, int contextLength)
    {
        double t = tokens, d = c;
        var perBlock =
            4 * t * d * d + 2 * t * t * d                                               // self-attention: q,k,v,out + QK^T, AV
            + 2 * t * d * d + 2 * contextLength * (double)crossAttentionDim * d + 2 * t * contextLength * d // cross-attention
            + t * d * 8 * d + t * 4 * d * d;                                            // GEGLU feed-forward (4x inner, gated)
        return 2 * t * d * d + layers * perBlock;             // proj_in + proj_out
    }
}
