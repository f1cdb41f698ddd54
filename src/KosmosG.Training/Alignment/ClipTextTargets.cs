using KosmosG.Models.Clip;
using KosmosG.Pipelines;
using KosmosG.Tokenizers;
using KosmosG.Training.Optimization;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Alignment;

/// <summary>
/// The frozen SD CLIP text encoder as a training target: captions -> its last hidden state [B, L, W], the space
/// AlignerNet maps into (stage 2's target, and stage 3's optional caption alignment).
/// </summary>
public sealed class ClipTextTargets : IDisposable
{
    readonly CLIPTextModel _clip;
    readonly ClipTokenizer _tokenizer;
    readonly Device _device;

    public ClipTextTargets(CLIPTextModel clip, ClipTokenizer tokenizer, ComputeOptions compute)
    {
        _clip = clip;
        _tokenizer = tokenizer;
        _device = compute.Device;
        clip.to(compute.Device, compute.DType).eval();
        TrainableParameters.FreezeAll(clip);
    }

    /// <summary>The text encoder and tokenizer of the diffusers folder <paramref name="sdDir"/>.</summary>
    public static ClipTextTargets Load(string sdDir, ComputeOptions compute)
    {
        var sd = DiffusersFolder.Open(sdDir);
        var clip = CLIPTextModel.Load(sd.ConfigPath("text_encoder"), sd.WeightsPath("text_encoder"));
        return new ClipTextTargets(clip, ClipTokenizer.FromFolder(sd.ComponentDir("tokenizer")), compute);
    }

    /// <summary>Ids per caption (the tokenizer's model_max_length, 77 for SD v1.5).</summary>
    public int Length => _tokenizer.ModelMaxLength;

    /// <summary>The <see cref="Length"/> ids of <paramref name="caption"/> (padded / truncated as the text encoder reads them).</summary>
    public long[] Encode(string caption) => _tokenizer.Encode(caption);

    /// <summary>The target of <paramref name="count"/> encoded rows: [count, Length, W], no gradient.</summary>
    public Tensor Forward(long[] ids, int count)
    {
        using var _ = no_grad();
        using var input = tensor(ids, [count, Length], ScalarType.Int64, _device);
        return _clip.forward(input);
    }

    public void Dispose() => _clip.Dispose();
}
