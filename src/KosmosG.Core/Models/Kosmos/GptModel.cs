using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>The fairseq <c>GPTmodel</c> wrapper: only holds <c>decoder</c>, giving the <c>gpt_model.decoder.*</c> keys.</summary>
public sealed class GptModel : Module
{
    public readonly LMDecoder decoder;

    public GptModel(KosmosGConfig config) : base(nameof(GptModel))
    {
        decoder = new LMDecoder(config);
        RegisterComponents();
    }
}
