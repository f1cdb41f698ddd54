using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// AlignerNet encoder M (official <c>Aligner_encoder</c>, the inference <c>aligner</c>): <c>encoder_proj</c> maps the
/// MLLM hidden sequence to the U-Net width (with the MLLM's padding masked), then <c>num_queries</c> learned
/// queries (<c>encoder_query</c>) read it through <c>encoder</c> -> the [B, Q, W] U-Net condition.
/// Submodules are registered explicitly so the stage-2 <see cref="Aligner"/> can add its own.
/// </summary>
public class AlignerEncoder : Module
{
    public readonly TorchscaleEncoder encoder_proj;
    public readonly Parameter encoder_query;
    public readonly QueryDecoder encoder;

    protected AlignerConfig Config { get; }

    public AlignerEncoder(AlignerConfig config, int mllmDim) : this(config, mllmDim, nameof(AlignerEncoder)) { }

    protected AlignerEncoder(AlignerConfig config, int mllmDim, string name) : base(name)
    {
        Config = config;
        encoder_proj = new TorchscaleEncoder(config, inputDim: mllmDim, outputDim: null);
        encoder_query = new Parameter(randn(config.NumQueries, config.EmbedDim));
        encoder = new QueryDecoder(config);
        register_module(nameof(encoder_proj), encoder_proj);
        register_parameter(nameof(encoder_query), encoder_query);
        register_module(nameof(encoder), encoder);
    }

    /// <param name="hidden">[B, T, D] MLLM hidden states.</param>
    /// <param name="padMask">bool [B, T], true where the source token is padding.</param>
    /// <returns>[B, Q, W]</returns>
    public Tensor forward(Tensor hidden, Tensor padMask)
    {
        var memory = encoder_proj.forward(hidden, padMask);
        var queries = encoder_query.to(memory.dtype).unsqueeze(0).expand(memory.shape[0], -1, -1);
        return encoder.forward(queries, memory, padMask);
    }
}
